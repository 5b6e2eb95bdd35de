"""Start signing e-cards with a new Ed25519 key, keeping the old keys for verification (电子会员卡 key rotation).

With ZHIJIA_CARD_KEYS set (production) the command prints only the new entry, to put first in the environment with
the old entries after it; restart the web workers. With the embedded default it rewrites VAR_DIR/card_keys.json the same
way (mode 0600). Cards already shown keep verifying under their key id until that key is dropped (`--drop KID`), which
is safe once the cards it signed have expired (ZHIJIA_CARD_VALID_DAYS) or been re-issued. Scanners pick up the new
public key from /api/v1/cards/public-key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhijia.members import cards


class Command(BaseCommand):
    help = "Add a new e-card signing key in front of the old ones (or drop an old key with --drop KID)."

    def add_arguments(self, parser):
        parser.add_argument("--kid", help="id of the new key (default k<YYYYMMDDHHMM>)")
        parser.add_argument("--drop", metavar="KID", help="remove this old key instead of adding one")

    def handle(self, *args, kid=None, drop=None, **options):
        current = [f"{k.kid}:{base64.urlsafe_b64encode(k.private.private_bytes_raw()).decode().rstrip('=')}"
                   for k in cards.card_keys()]
        if drop:
            if drop == current[0].split(":", 1)[0]:
                raise CommandError("不能删除正在签发的密钥（请先轮换出新密钥）")
            kept = [spec for spec in current if spec.split(":", 1)[0] != drop]
            if len(kept) == len(current):
                raise CommandError(f"没有 id 为 {drop} 的密钥")
            spec = kept
        else:
            kid = kid or f"k{dt.datetime.now():%Y%m%d%H%M}"
            if any(s.split(":", 1)[0] == kid for s in current):
                raise CommandError(f"密钥 id {kid} 已存在")
            seed = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
            spec = [f"{kid}:{seed}", *current]
        value = ",".join(spec)
        if getattr(settings, "CARD_KEYS", ""):
            # The environment is the operator's to change; old seeds are not echoed back into logs.
            if drop:
                self.stdout.write(f"Remove the entry '{drop}:…' from ZHIJIA_CARD_KEYS and restart the web workers.")
            else:
                self.stdout.write("Put this entry FIRST in ZHIJIA_CARD_KEYS (keep the old entries after it, "
                                  "comma-separated) and restart the web workers:")
                self.stdout.write(spec[0])
            return
        path = settings.VAR_DIR / "card_keys.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"keys": value}, fh)
        os.replace(tmp, path)
        self.stdout.write(f"{path}: keys {', '.join(s.split(':', 1)[0] for s in spec)} (first one signs)")
