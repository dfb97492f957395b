"""``nn-playground sweep``: fig. 5.10's fits headless, one CSV row per fit; bad input is one line, exit 2."""

import csv
import json

from playground.cli import main

CONFIG = {
    "version": 1,
    "data": {"generator": "sinusoid", "n_points": 20, "seed": 1, "split": {"train": 0.5, "validation": 0.0, "test": 0.5}},
    "network": {"hidden": [4], "activation": "tanh"},
}


def test_a_sweep_writes_every_fit(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "sweep.csv"
    code = main(["sweep", str(config), "--out", str(out), "--max-units", "2", "--starts", "2", "--epochs", "10",
                 "--workers", "1"])
    assert code == 0
    rows = list(csv.DictReader(open(out)))
    assert [(r["units"], r["start"]) for r in rows] == [("1", "0"), ("1", "1"), ("2", "0"), ("2", "1")]
    assert all(float(r["test_error"]) >= 0 for r in rows)
    assert "mean test error per point by M" in capsys.readouterr().out


def test_bad_sweep_input_is_one_line_and_exit_2(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    code = None
    try:
        main(["sweep", str(config), "--out", str(tmp_path / "s.csv"), "--starts", "0"])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--starts" in err and "from 1 to 1000" in err
    assert main(["sweep", str(tmp_path / "missing.json"), "--out", str(tmp_path / "s.csv")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
