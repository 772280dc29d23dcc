"""Herd's hail answers iallocator requests as Debian's Ganeti hail does, on Ganeti's test requests."""
import json
import subprocess

import pytest

from herd_e2e import BIN, GANETI_HAIL, ganeti_test_data, require, same_hail_info as same_info

require(GANETI_HAIL, "ganeti-htools-3.0")
DATA = ganeti_test_data("htools")
TIMEOUT = 120

REQUESTS = sorted(p.name for p in DATA.glob("hail-*.json"))
OPTIONS = [[], ["--no-capacity-checks"], ["--ignore-soft-errors"], ["-p"]]


def run(binary, args):
    res = subprocess.run([str(binary)] + args, capture_output=True, text=True, timeout=TIMEOUT)
    return res.returncode, res.stdout, res.stderr


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
@pytest.mark.parametrize("name", REQUESTS)
def test_same_answer(name, options):
    args = options + [str(DATA / name)]
    grc, gout, gerr = run(GANETI_HAIL, args)
    hrc, hout, herr = run(BIN / "hail", args)
    assert hrc == grc
    assert herr == gerr
    if grc != 0:
        assert hout == gout
        return
    # Same success, info text, node choices and opcodes.
    herd, ganeti = json.loads(hout), json.loads(gout)
    assert same_info(herd.pop("info"), ganeti.pop("info")), (hout, gout)
    assert herd == ganeti


def test_stdin_request():
    request = (DATA / "hail-alloc-drbd.json").read_text()
    res = subprocess.run([str(BIN / "hail"), "-"], input=request, capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert res.returncode == 0
    assert json.loads(res.stdout)["success"] is True


@pytest.mark.parametrize("args,message", [
    ([], "Error: This program needs an input file.\n"),
    (["a", "b"], "Error: Only one argument is accepted (the input file)\n"),
])
def test_usage_errors(args, message):
    grc, _, gerr = run(GANETI_HAIL, args)
    hrc, _, herr = run(BIN / "hail", args)
    assert (hrc, herr) == (grc, gerr) == (1, message)
