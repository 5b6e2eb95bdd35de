from django.core.management.base import BaseCommand

from zhijia.benefits import gate, services


class Command(BaseCommand):
    help = "Rebuild the Redis gate of open offers from PostgreSQL (run after a crash of Redis or of the web tier)."

    def add_arguments(self, parser):
        parser.add_argument("benefit_ids", nargs="*", type=int)

    def handle(self, *args, **options):
        if not gate.enabled():
            self.stdout.write("no Redis gate configured (REDIS_URL unset): nothing to reconcile")
            return
        ids = options["benefit_ids"]
        if ids:
            for benefit_id in ids:
                promoted = services.benefit_reconcile(benefit_id=benefit_id)
                self.stdout.write(f"offer {benefit_id}: rebuilt, {promoted} promoted from the waiting list")
        else:
            self.stdout.write(f"{services.benefits_reconcile_open()} offers rebuilt")
