"""Certificate serials: always plain base-32 symbols, and the check symbol catches typos."""
import re

from app.services.offsetting.certificates import ALPHABET, new_serial, normalise_serial

SERIAL = re.compile(r"^DD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$")


def test_every_serial_is_letters_and_digits_and_valid():
    for _ in range(20_000):
        serial = new_serial()
        assert SERIAL.match(serial), serial
        assert normalise_serial(serial) == serial


def test_typed_forms_are_accepted():
    serial = new_serial()
    typed = serial.lower().replace("-", " ")
    assert normalise_serial(typed) == serial
    assert normalise_serial(serial.replace("1", "l").replace("0", "o")) == serial


def test_any_single_symbol_error_is_rejected():
    serial = new_serial()
    positions = [i for i, ch in enumerate(serial) if ch != "-"][2:]  # after "DD"
    for i in positions:
        for ch in ALPHABET:
            if ch != serial[i]:
                assert normalise_serial(serial[:i] + ch + serial[i + 1:]) is None


def test_adjacent_swaps_are_almost_always_rejected():
    caught = total = 0
    for _ in range(500):
        body = new_serial().replace("-", "")[2:]
        for i in range(len(body) - 1):
            if body[i] == body[i + 1]:
                continue
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            total += 1
            caught += normalise_serial("DD" + swapped) is None
    assert caught / total > 0.97
