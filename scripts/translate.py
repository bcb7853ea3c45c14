"""Fill Chinese translations into the catalogue from a JSON file of {msgid: msgstr}.

    .venv/bin/python scripts/translate.py translations.json

Entries already translated are left alone unless the JSON names them; fuzzy flags on the
entries it fills are removed. Prints what is still untranslated.
"""

import json
import sys
from pathlib import Path

import polib

CATALOGUE = "locale/zh_Hans/LC_MESSAGES/django.po"


def main(path):
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    po = polib.pofile(CATALOGUE)
    for entry in po:
        if entry.msgid in translations:
            value = translations[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = None
    po.save(CATALOGUE)
    for entry in po.untranslated_entries() + po.fuzzy_entries():
        print("untranslated:", repr(entry.msgid))


if __name__ == "__main__":
    main(sys.argv[1])
