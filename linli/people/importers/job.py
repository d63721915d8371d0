"""The background job import.residents (run by `linli worker`; the upload page enqueues it)."""

from .residents import import_residents


def _register_job():
    from linli.core import jobs
    from linli.core.imports import run_job

    @jobs.handler("import.residents")
    def run_resident_import(job):
        run_job(job, import_residents)


_register_job()
