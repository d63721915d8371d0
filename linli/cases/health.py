"""The cases app's check on the status page and in `linli status` (linli.core.health): the classifier that sorts
reports into categories. Reads the model file's header only (nothing is unpickled or trained here) and counts the
cases people have categorised — what `linli train-classifier` learns from."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.health import OK, WARN, Check, check

from . import classifier
from .models import Case


def _categorised(since: datetime.datetime | None = None) -> int:
    rows = Case.objects.filter(categorised_by_person=True)
    return (rows.filter(updated_at__gt=since) if since else rows).count()


@check("classifier", gettext_lazy("Report classifier"))
def classifier_model() -> Check:
    path = classifier.default_model_path()
    details = [(_("Model file"), str(path))]
    if not path.exists():
        learnable = _categorised()
        details.append((_("Cases categorised by people"), str(learnable)))
        if not learnable:
            return Check(OK, _("Sorting by the taxonomy's example phrases (no trained model yet: once people have "
                                       "categorised cases, `linli train-classifier` learns from them)"), details)
        return Check(WARN, _("No trained model: %(n)s cases categorised by people are not learned from. Train one "
                                     "with `linli train-classifier`.") % {"n": learnable}, details)
    try:
        header = classifier.read_header(path)
    except (classifier.IncompatibleModel, OSError) as exc:
        return Check(WARN, _("The model file cannot be read (%(error)s): the taxonomy's examples are used instead. "
                                     "Retrain with `linli train-classifier`.") % {"error": type(exc).__name__}, details)
    details += [(_("Trained"), str(header.get("trained_at") or "-")), (_("Examples"), str(header.get("n_examples") or "-")),
                (_("Categories"), str(len(header.get("labels") or ())))]
    try:
        trained_at = datetime.datetime.fromisoformat(header.get("trained_at") or "")
    except ValueError:
        trained_at = None
    if trained_at is not None:  # kept to the second: a case changed within the training's second counts as learned
        trained_at += datetime.timedelta(seconds=1)
        details.append((_("Categorised cases changed since"), str(_categorised(trained_at))))
    if not classifier.compatible(header):
        return Check(WARN, _("The model was written by another version (format %(f)s, scikit-learn %(s)s): the "
                                     "taxonomy's examples are used instead. Retrain with `linli train-classifier`.")
                     % {"f": header.get("format"), "s": header.get("sklearn")}, details)
    return Check(OK, _("Trained on %(n)s examples, %(c)s categories") % {
        "n": header.get("n_examples"), "c": len(header.get("labels") or ())}, details)
