from datetime import time
from pathlib import Path

import pytest

from config.errors import ConfigError, UnknownName
from config.load import load_installation, parse_installation
from config.presets import BUILTIN_PRESETS

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "config" / "examples").glob("*.toml"))

GOOD = """\
name = "Test"
library = "lib"

[[screens]]
id = "main"
"""


def _problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "site.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_installation(path)
    assert str(caught.value).startswith(f"{path}: {len(caught.value.issues)} problem")
    return [str(issue).removeprefix(f"{path}:") for issue in caught.value.issues]


def test_there_are_the_three_examples():
    assert {p.stem for p in EXAMPLES} == {"demo", "wall", "two-pc"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_loads(path):
    installation = load_installation(path)
    assert installation.screens and installation.library.is_absolute()
    assert installation.preset("standard") == BUILTIN_PRESETS["standard"]


def test_wall_example_has_three_screens_and_its_own_preset():
    wall = load_installation(next(p for p in EXAMPLES if p.stem == "wall"))
    assert [s.id for s in wall.screens] == ["left", "centre", "right"]
    assert wall.preset("wall").scale == 4 and wall.preset("wall").dust.strength == 1.2
    assert wall.schedule.opening_hours("monday") == []
    assert wall.schedule.opening_hours("thursday") == [(time(10), time(21))]


def test_relative_paths_are_taken_from_the_config_folder(tmp_path):
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "a.toml"
    path.write_text(GOOD + '[security]\nserver_key = "keys/c.key_secret"\n')
    installation = load_installation(path)
    assert installation.library == tmp_path / "site" / "lib"
    assert installation.security.server_key == tmp_path / "site" / "keys" / "c.key_secret"


def test_defaults_give_a_working_single_screen(tmp_path):
    installation = parse_installation(GOOD, tmp_path / "x.toml")
    assert installation.screen("main").resolution == (1920, 1080)
    assert installation.conductor.command == "tcp://127.0.0.1:5555"
    assert installation.schedule.opening_hours("sunday") == [(time.min, time.max)]
    with pytest.raises(UnknownName, match=r"no screen 'side'; this installation has \['main'\]"):
        installation.screen("side")
    with pytest.raises(UnknownName, match="known presets: gentle, standard, strong"):
        installation.preset("wild")


def test_a_typo_names_line_field_and_the_nearest_key(tmp_path):
    text = "scren = 2\n" + GOOD.replace('id = "main"', 'id = "main"\nfulscreen = false\ncolour = 2')
    assert _problems(text, tmp_path) == [
        "1: scren: unknown key; did you mean 'screens'?",
        "7: screens[0].fulscreen: unknown key; did you mean 'fullscreen'?",
        "8: screens[0].colour: unknown key; valid keys here: id, output, resolution, fullscreen, host, caption",
    ]


def test_a_misspelt_table_is_matched_to_the_nearest_one(tmp_path):
    text = GOOD.replace("[[screens]]", "[[screen]]")
    problems = _problems(text, tmp_path)
    assert "4: screen: unknown key; did you mean 'screens'?" in problems
    assert " screens: required, but missing" in problems


def test_wrong_types_and_values_say_what_was_expected(tmp_path):
    text = GOOD + 'resolution = [1920, "wide"]\n[conductor]\nweb_port = "80"\npublish = "udp://x"\n'
    assert _problems(text, tmp_path) == [
        "6: screens[0].resolution[1]: Input should be a valid integer (got 'wide')",
        "8: conductor.web_port: Input should be a valid integer (got '80')",
        "9: conductor.publish: expected a ZeroMQ endpoint like 'tcp://127.0.0.1:5555' or "
        "'ipc:///run/x' (got 'udp://x')",
    ]


def test_a_missing_required_field_points_at_its_table(tmp_path):
    text = GOOD.replace('id = "main"', "output = 1")
    assert _problems(text, tmp_path) == ["4: screens[0].id: required, but missing"]


def test_duplicate_screen_ids_point_at_the_second(tmp_path):
    text = GOOD + '\n[[screens]]\nid = "side"\n\n[[screens]]\nid = "main"\noutput = 2\n'
    assert _problems(text, tmp_path) == [
        "11: screens[2].id: duplicate screen id 'main' (also used by screens[0])"
    ]


def test_invalid_toml_gives_its_line(tmp_path):
    [problem] = _problems(GOOD + "[conductor\nweb_port = 1\n", tmp_path)
    assert problem.startswith("6: invalid TOML:")


def test_all_problems_in_a_file_are_reported_at_once(tmp_path):
    text = (
        'name = ""\nlibrary = "lib"\n[[screens]]\nid = "Main Screen"\n'
        '[schedule]\nwhen_closed = "sleep"\ntimezone = "Mars/Olympus"\n'
        '[schedule.hours]\nfunday = ["09:00-10:00"]\nmonday = ["18:00-09:00"]\n'
        "[presets.mine]\nscale = 3\n[presets.mine.dust]\nstrenght = 1\n"
    )
    problems = _problems(text, tmp_path)
    assert len(problems) == 8
    assert any(p.startswith("1: name:") for p in problems)
    assert any(p.startswith("4: screens[0].id: String should match pattern") for p in problems)
    assert (
        "6: schedule.when_closed: Input should be 'black', 'poster', 'attract' or 'off' (got 'sleep')"
        in problems
    )
    assert "7: schedule.timezone: unknown IANA time zone (got 'Mars/Olympus')" in problems
    assert any(p.startswith("9: schedule.hours.funday:") and "did you mean 'sunday'" in p for p in problems)
    assert (
        "10: schedule.hours.monday[0]: opening must come before closing, within 00:00-24:00 (got '18:00-09:00')"
        in problems
    )
    assert "12: presets.mine.scale: Input should be 1, 2 or 4 (got 3)" in problems
    assert "14: presets.mine.dust.strenght: unknown key; did you mean 'strength'?" in problems


def test_an_unreadable_file_is_one_clear_problem(tmp_path):
    with pytest.raises(ConfigError, match=r"nothing.toml: cannot read the file"):
        load_installation(tmp_path / "nothing.toml")
