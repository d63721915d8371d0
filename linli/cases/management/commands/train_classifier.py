"""linli train-classifier: retrain the case classifier from the categories' phrases and every case a person categorised."""

import time

from django.core.management.base import BaseCommand

from linli.cases import classifier
from linli.cases.categories import seed_categories, training_examples


class Command(BaseCommand):
    help = "Retrain the case classifier from category phrases and human-categorised cases; save it under var/classifier/."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="model file (default: var/classifier/model.joblib)")
        parser.add_argument("--evaluate", action="store_true", help="also report accuracy on a held-out quarter of the handled cases")

    def handle(self, *args, output=None, evaluate=False, **options):
        seed_categories()
        phrases, handled = training_examples()
        if evaluate and len(handled) >= 20:
            report = classifier.evaluate(handled, extra_train=phrases)
            self.stdout.write(f"held-out accuracy on handled cases: {report['accuracy']:.3f} "
                              f"(train {report['n_train']}, test {report['n_test']})")
        elif evaluate:
            self.stdout.write(f"only {len(handled)} handled cases: too few for a held-out evaluation (need 20)")
        started = time.perf_counter()
        model = classifier.train(phrases + handled)
        path = classifier.save(model, output)
        classifier.reset_cache()
        self.stdout.write(self.style.SUCCESS(
            f"trained on {len(phrases)} phrases and {len(handled)} handled cases, {len(model.labels)} categories, "
            f"in {time.perf_counter() - started:.1f} s → {path}"))
