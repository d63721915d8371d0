from linli.evaluation.tests.conftest import dataset  # noqa: F401  (the fixed dataset with its hand tables)
