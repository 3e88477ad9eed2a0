"""helpbox.py - the console's `?` box read back from a tmux screen (the
console tests import it): the box's text on one line, and what is wrong
with it (no title, a line cut to an ellipsis)."""
import re


def help_box(rows, width):
    """(text, problems) of the help box in rows, a screen width columns wide.
    The box is centred: its columns run from its title's margin to the same
    margin on the right."""
    title = [i for i, r in enumerate(rows) if re.search(r"Keys: \w+ pane", r)]
    if len(title) != 1:
        return "", ["no help title"]
    t = title[0]
    x = rows[t].index("Keys:") - 2
    if x < 0:
        return "", ["the box starts off the screen"]
    box = [r[x + 2:width - x - 1] for r in rows[t + 1:len(rows) - 1]]
    cut = [b.strip() for b in box if "\u2026" in b]
    problems = ["a help line cut: [%s]" % cut[0]] if cut else []
    return " ".join(" ".join(b.split()) for b in box), problems
