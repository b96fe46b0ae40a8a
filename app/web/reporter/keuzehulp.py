"""The decision aid "Ik zit ergens mee": a few plain questions, answered in
the URL of GET forms, that lead to the right route or desk. Nothing is stored.

The desks (places to go outside this Meldpunt) and their contact details
come from the organisation's settings (app/config.py, OrganisationDetails);
the texts about them are here and in reporting/keuzehulp.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

CRISIS = "crisis"
ABOUT = (
    ("behaviour", _l("How someone treats me or others: bullying, sexual harassment, "
                     "aggression, discrimination or racism")),
    ("integrity", _l("Something that may not be honest or right: fraud, leaking information, "
                     "misuse of position or resources")),
    ("wrongdoing", _l("A wrongdoing that affects the public interest, such as danger to "
                      "health or safety, or breaking the law")),
    ("work", _l("My work itself: workload, a conflict about my tasks or position, or my "
                "health")),
    (CRISIS, _l("I do not feel safe right now, or I am thinking about ending my life")),
    ("unsure", _l("I am not sure")),
)
WANT = (
    ("talk", _l("First talk to someone in confidence, and decide later")),
    ("investigate", _l("I want it to be looked into")),
    ("unsure", _l("I do not know yet")),
)
# Only about how someone is treated: a formal complaint to the committee.
COMPLAINT = ("complaint", _l("I want to make a formal complaint about how I am treated"))


@dataclass(frozen=True)
class Step:
    """Either a question (with its choices) or an outcome."""

    question: str | None = None
    name: str | None = None
    choices: tuple = ()
    hidden: dict = field(default_factory=dict)
    route: str | None = None
    outcome: tuple = ()
    # Places to go, most fitting first (reporting/keuzehulp.html knows each).
    desks: tuple = ()
    crisis: bool = False


def want_choices(about: str) -> tuple:
    return WANT[:2] + (COMPLAINT,) + WANT[2:] if about == "behaviour" else WANT


def evaluate(args: Mapping[str, str]) -> Step:
    about = args.get("about") if args.get("about") in dict(ABOUT) else None
    if about is None:
        return Step(question=str(_l("What is on your mind?")), name="about", choices=ABOUT)
    choices = want_choices(about)
    want = args.get("want") if args.get("want") in dict(choices) else None
    if about == CRISIS:
        return Step(route="advice", crisis=True, outcome=(
            _l("You do not have to go through this alone. Talk to someone now: by telephone "
               "or in a chat, day and night, anonymously if you want."),
            _l("When you are ready, a confidential counsellor can listen to you and help you "
               "with what happened at work."),
        ), desks=("crisis", "central_vp", "bmw"))
    if about == "work":
        return Step(route="advice", outcome=(
            _l("For your work itself the company social worker (bedrijfsmaatschappelijk werk) "
               "or the HR adviser (personeelsraadgever) are usually the right people to talk "
               "to. Your manager or the company doctor can help too."),
            _l("If there is more to it, for example how you are treated, you can talk to a "
               "confidential counsellor in confidence."),
        ), desks=("bmw", "hr", "central_vp"))
    if want is None:
        return Step(question=str(_l("What would you like to happen?")), name="want",
                    choices=choices, hidden={"about": about})
    if want == "complaint":
        return Step(route="advice", outcome=(
            _l("You can make a formal complaint to the complaints committee for unwanted "
               "behaviour. The committee looks into your complaint, hears both sides and "
               "advises the management what to do."),
            _l("A confidential counsellor can help you with your complaint and can go with "
               "you. You can talk to them first, in confidence."),
        ), desks=("complaints", "central_vp", "bmw", "hr"))
    if want == "investigate" or (about == "wrongdoing" and want != "talk"):
        outcome: tuple = (
            _l("A formal report to the integrity coordinator fits best. The report is "
               "assessed and, if needed, looked into. You can report anonymously."),
        )
        if about == "wrongdoing":
            outcome += (_l("For a wrongdoing affecting the public interest you can also ask "
                           "the Huis voor Klokkenluiders for advice, or report to an external "
                           "authority."),)
        desks = ("integrity_committee",) + (("complaints",) if about == "behaviour" else ())
        return Step(route="report", outcome=outcome,
                    desks=desks + ("hvk", "external", "bmw", "hr"))
    return Step(route="advice", outcome=(
        _l("Talking to a confidential counsellor fits best. They listen, advise and support "
           "you, in confidence. Together you decide on any next step; nothing is passed on "
           "without your permission."),
    ), desks=("central_vp",) + (("complaints",) if about == "behaviour" else ("hvk",))
        + ("bmw", "hr"))
