"""The cases app's check on the status page and in `linli status` (linli.core.health): the classifier that sorts
reports into categories. Reads the model file's header only (nothing is unpickled or trained here)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.health import OK, WARN, Check, check

from . import classifier


@check("classifier", gettext_lazy("Report classifier"))
def classifier_model() -> Check:
    path = classifier.default_model_path()
    if not path.exists():
        return Check("", "", WARN, _("No trained model: reports are sorted by the taxonomy's example phrases only. "
                                     "Train one with `linli train-classifier`."), [(_("Model file"), str(path))])
    try:
        header = classifier.read_header(path)
    except (classifier.IncompatibleModel, OSError) as exc:
        return Check("", "", WARN, _("The model file cannot be read (%(error)s): the taxonomy's examples are used instead. "
                                     "Retrain with `linli train-classifier`.") % {"error": type(exc).__name__},
                     [(_("Model file"), str(path))])
    details = [(_("Model file"), str(path)), (_("Trained"), str(header.get("trained_at") or "-")),
               (_("Examples"), str(header.get("n_examples") or "-")), (_("Categories"), str(len(header.get("labels") or ())))]
    if not classifier.compatible(header):
        return Check("", "", WARN, _("The model was written by another version (format %(f)s, scikit-learn %(s)s): the "
                                     "taxonomy's examples are used instead. Retrain with `linli train-classifier`.")
                     % {"f": header.get("format"), "s": header.get("sklearn")}, details)
    return Check("", "", OK, _("Trained on %(n)s examples, %(c)s categories") % {
        "n": header.get("n_examples"), "c": len(header.get("labels") or ())}, details)
