#!/usr/bin/env bash
# Create the peers' virtualenv and install requirements.txt with pip.
#
#   benches/peers/setup.sh            # venv in benches/peers/.venv
#   PEERS_VENV=/some/dir setup.sh     # elsewhere
#   PYTHON=python3.12 setup.sh        # another base interpreter (>= 3.11)
#
# Idempotent: when the venv exists and was set up from the same requirements.txt
# (a checksum is kept in the venv), it only says so. Ends with a smoke test that
# imports every library and trains and runs a tiny fastText model.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${PEERS_VENV:-$here/.venv}
python=${PYTHON:-python3}
req=$here/requirements.txt
stamp=$venv/.tasnif-peers-requirements.sha256

if ! command -v "$python" >/dev/null; then
  echo "setup.sh: $python not found (set PYTHON to a Python >= 3.11)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup.sh: scikit-learn 1.9.1 needs Python >= 3.11; $python is $("$python" -V 2>&1)" >&2
  exit 1
fi

want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "setup.sh: $venv is up to date"
  exit 0
fi

if [[ ! -x $venv/bin/python ]]; then
  echo "setup.sh: creating $venv"
  "$python" -m venv "$venv"
fi
rm -f "$stamp"
echo "setup.sh: installing $req"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"

echo "setup.sh: smoke test"
"$venv/bin/python" - <<'PY'
import os, tempfile
import numpy, scipy, sklearn, Stemmer, nltk, fasttext
from nltk.stem.isri import ISRIStemmer

assert Stemmer.Stemmer("arabic").stemWord("المكتبات")
assert ISRIStemmer().stem("المكتبات")
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "t.txt")
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(20):
            f.write("__label__sports مباراة هدف الدوري\n__label__economy النفط سعر البرميل\n")
    m = fasttext.train_supervised(p, epoch=5, thread=1, verbose=0)
    labels, probs = m.predict("مباراة الدوري")  # the call numpy 2 breaks in fasttext 0.9.2
    batch, _ = m.predict(["مباراة الدوري", "سعر النفط"])
    assert labels[0].startswith("__label__") and len(batch) == 2
print(f"ok: numpy {numpy.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
      f"nltk {nltk.__version__}, fastText predicts")
PY
echo "$want" > "$stamp"
echo "setup.sh: done ($venv)"
