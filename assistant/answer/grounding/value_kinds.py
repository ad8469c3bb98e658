"""The kinds of value a question may ask for: the words that ask for each, and the units written after a number
of it. Data in one place (``question_focus`` reads it): a plant writing in another language adds its words here.

The kinds are physical dimensions plus cost and part numbers; "amount" is the catch-all (a size, a rating), and a
unit word standing alone in a question ("mit wieviel nm") asks for its kind in any language.
"""

from __future__ import annotations

# a number that is not the tail of an identifier: "M5" (a screw size) or "V6" states no value
STARTS_NUMBER = r"(?<![^\W\d_])"
_NUM = STARTS_NUMBER + r"\d+(?:[.,]\d+)?\s*"
# a size written as its dimensions: "3x3x1cm", "44 × 84 × 12 mm"
_DIMENSIONS = STARTS_NUMBER + r"\d+(?:[.,]\d+)?(?:\s*[x×]\s*\d+(?:[.,]\d+)?)+\s*"
# kind -> the unit written after a number of that kind (cost and part numbers have none of their own)
UNITS: dict[str, str] = {
    "torque": r"(?:n[·.\s-]?m\b|nm\b|kg[-\s]?cm|kgf|ft[.\s-]*lb|lb[.\s-]*ft|in[.\s-]*lb|lbf)",
    "pressure": r"(?:bar[ga]?\b|psi|kpa|mpa|kg/cm|kgf/cm|lb/in)",  # "barg": gauge pressure
    # "º" (the ordinal sign) and "˚" stand in for the degree sign on many keyboards
    "temperature": r"(?:[°º˚]|deg\b|degrees|celsius|fahrenheit|[cf]\b)",
    "clearance": r"(?:mm\b|in\b|in\.|inch|µm|um\b|thou)",
    "capacity": r"(?:l\b|litre|liter|qt|quart|gal|ml\b|cc\b)",
    "voltage": r"(?:[mk]?v(?:dc|ac|rms)?\b|volt)",  # "24VDC", "230 VAC"
    "current": r"(?:[mµu]?a\b|amp)",
    "resistance": r"(?:[mk]?ω|ohm)",
    "speed": r"(?:rpm|r/min|km/h|[mck]?m/s|m{1,2}/min|mph)",
    "frequency": r"(?:[kmg]?hz|baud|[km]?bps|[km]?bit/s)\b",
    "weight": r"(?:kg|g|lbs?|t|tons?|tonnes?)\b",
    "length": r"(?:m|mm|cm|in|ft|km|miles?)\b",
    "duration": r"(?:hours?|hrs?|h|months?|years?)\b",
}
# the catch-all "amount" (a size, a rating) may be any of those three, or litres
UNITS["amount"] = "(?:" + "|".join(UNITS[k] for k in ("weight", "length", "duration")) + r"|l\b)"
# a unit before "/" and a word is a rate of another kind: "80 mm/s" is a speed, "45 L/min" a flow, "1.8 deg/step"
_NOT_A_RATE = r"(?!\s*/\s*[^\W\d_])"
# kind -> (question words that ask for it, regex of a value of that kind)
VALUE_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "torque": (("torque", "tighten", "tightening"), _NUM + UNITS["torque"] + _NOT_A_RATE),
    "pressure": (("pressure", "psi", "inflat"), _NUM + UNITS["pressure"] + _NOT_A_RATE),
    "temperature": (("temperature", "temp", "degrees"), _NUM + UNITS["temperature"] + _NOT_A_RATE),
    "cost": (("cost", "price", "costs", "expensive", "spend", "spent", "paid", "pay"),
             r"(?:[$€£]\s*\d|\d+(?:[.,]\d+)?\s*(?:usd|eur|gbp|dollars|euros)|\bcost\b[^.\n]{0,40}\d)"),
    "clearance": (("clearance", "gap", "thickness", "lift", "runout", "backlash", "play"),
                  _NUM + UNITS["clearance"] + _NOT_A_RATE),
    "capacity": (("capacity", "volume", "litres", "liters", "quarts"), _NUM + UNITS["capacity"] + _NOT_A_RATE),
    "voltage": (("voltage", "volts"), _NUM + UNITS["voltage"] + _NOT_A_RATE),
    # "amp" and "amps" are its unit words: as a prefix they would read "ampseal" (a connector) as asking for a current
    "current": (("amperage", "current"), _NUM + UNITS["current"] + _NOT_A_RATE),
    "resistance": (("resistance", "ohms"), _NUM + UNITS["resistance"] + _NOT_A_RATE),
    "speed": (("rpm", "speed"), _NUM + UNITS["speed"] + _NOT_A_RATE),
    # a rate of repetition: a clock, a PWM, a serial line's baud rate
    "frequency": (("frequency", "baud"), _NUM + UNITS["frequency"] + _NOT_A_RATE),
    "part_number": (("part number", "part no", "p/n", "order number"),
                    r"\b(?:p/?n|part\s*(?:no\.?|number))\s*[:#]?\s*[A-Z0-9][\w-]*\d"),
    "weight": (("heavy", "weigh", "mass"), _NUM + UNITS["weight"] + _NOT_A_RATE),
    "length": (("diameter", "length", "width"), f"(?:{_DIMENSIONS}|{_NUM}){UNITS['length']}" + _NOT_A_RATE),
    "duration": (("interval", "lifetime", "life"), _NUM + UNITS["duration"] + _NOT_A_RATE),
    # the catch-all: a size or a rating may be any of the kinds above
    "amount": (("charge", "quantity", "rating", "size"),
               f"(?:{_DIMENSIONS}|{_NUM}){UNITS['amount']}" + _NOT_A_RATE),
}

# the value words a typo may hide (one word, five letters or more)
SPELLED = sorted({t for triggers, _ in VALUE_KINDS.values() for t in triggers if " " not in t and len(t) >= 5})

# Unit symbols read the same in most languages: one standing alone in a question (no number before it: "mit
# wieviel nm ...", "combien de kpa"), where no word above asks but the catch-all "amount", asks for a value of its
# kind. "bar" is left out: in English it is also a part ("sway bar end links clunk").
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "torque": ("nm", "n·m", "ft-lb", "ft-lbs", "lb-ft", "ftlb", "ftlbs"),
    "pressure": ("psi", "kpa", "mpa"),
    "clearance": ("mm", "µm"),
    "voltage": ("volt", "volts"),
    "current": ("amp", "amps"),
    "resistance": ("ohm", "ohms"),
    "speed": ("rpm",),
    "frequency": ("hz", "khz", "mhz", "baud"),
}
