"""Identity audit for medfed's de-identification tests (pydicom, Debian's python3-pydicom).

Usage: python3 identity-audit.py ORIGINAL DEIDENTIFIED → JSON on stdout:
  leaks: identifying values of ORIGINAL (person names, dates, times, instance UIDs, private data,
         patient/study identifiers, institution) found anywhere in DEIDENTIFIED's text values;
  private: private tags left in DEIDENTIFIED; names/dates: non-empty PN/DA/TM/DT values left;
  marks: PatientIdentityRemoved and the de-identification method code.
"""
import json
import sys

import pydicom

IDENTIFYING = {
    (0x0010, 0x0010), (0x0010, 0x0020), (0x0010, 0x0030), (0x0010, 0x1000), (0x0010, 0x1001),
    (0x0010, 0x1040), (0x0010, 0x2154), (0x0008, 0x0050), (0x0020, 0x0010), (0x0008, 0x0080),
    (0x0008, 0x0081), (0x0008, 0x1010), (0x0008, 0x1040), (0x0018, 0x1000), (0x0008, 0x0090),
}


def walk(ds):
    for el in ds.iterall():
        yield el


def texts(ds):
    out = set()
    for el in walk(ds):
        if el.VR == "SQ" or el.value is None:
            continue
        values = el.value if isinstance(el.value, pydicom.multival.MultiValue) else [el.value]
        for v in values:
            if isinstance(v, (str, pydicom.valuerep.PersonName)):
                out.add(str(v))
    return out


orig = pydicom.dcmread(sys.argv[1])
deid = pydicom.dcmread(sys.argv[2])
secrets = set()
kept = set()  # values the profile keeps (e.g. Manufacturer) are not leaks when they recur
for el in walk(orig):
    if el.VR == "SQ" or el.value in (None, ""):
        continue
    tag = (el.tag.group, el.tag.element)
    sensitive = (
        el.VR in ("PN", "DA", "TM", "DT")
        or tag in IDENTIFYING
        or el.tag.is_private
        or (el.VR == "UI" and not str(el.value).startswith("1.2.840.10008."))
    )
    if not isinstance(el.value, (str, pydicom.valuerep.PersonName)):
        continue
    if sensitive and len(str(el.value)) >= 4:
        secrets.add(str(el.value))
    elif not sensitive:
        kept.add(str(el.value))
secrets = {s for s in secrets if not any(s in k for k in kept)}
left = texts(deid)
leaks = sorted(s for s in secrets if any(s in t for t in left))
code = deid.get("DeidentificationMethodCodeSequence")
print(json.dumps({
    "leaks": leaks,
    "checked": len(secrets),
    "private": [str(el.tag) for el in walk(deid) if el.tag.is_private],
    "names_dates": [f"{el.tag} {el.value}" for el in walk(deid) if el.VR in ("PN", "DA", "TM", "DT") and el.value and el.tag != (0x0010, 0x0010)],
    "identity_removed": deid.get("PatientIdentityRemoved"),
    "method_code": code[0].CodeValue if code else None,
    "patient_id": deid.get("PatientID"),
}))
