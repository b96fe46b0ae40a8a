"""A year and more of demo cases, every one made through the domain.

`STORIES` is a readable table: each story is one report — its unit, track,
channel, category, the report's text — and the steps it went through, each
on a day counted from its receipt. `seed_year` files each report
(`submit_report`, `register_report`, `register_signal`) and takes every step
through the same functions the web pages call (`workflow.perform`, the
reporter's mailbox, messages, notes, minutes, legal hold), as the demo users
with their own keys. The audit log therefore records every step as it
happened: today, by the demo.

Only afterwards, in `_backdate`, the clear timestamps the domain stamped
during each step are moved to that step's day, so the queues, deadlines,
figures and the retention sweep see a realistic past. That is the one place
where the demo back-dates; it never touches an audit entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cases import (
    casework,
    custody,
    hearings,
    mailbox,
    minutes,
    persons,
    subject_requests,
    workflow,
)
from app.cases.deadlines import acknowledge_due, feedback_due
from app.cases.intake import NewReport, submit_report
from app.cases.registration import Registration, Signal, register_report, register_signal
from app.crypto.compartments import CaseKeys
from app.crypto.keys import PrivateKey, unlock_private_key
from app.localtime import local_date
from app.models import (
    Case,
    CaseNote,
    ExternalReferral,
    Hearing,
    HearingVersion,
    KeyWrap,
    MeetingMinutes,
    Message,
    MinutesVersion,
    PersonConcerned,
    Receipt,
    RepeatReview,
    SubjectRequest,
    Unit,
    User,
    utcnow,
)
from app.retention.hold import set_legal_hold
from app.runtime import Runtime
from app.stats import vp_report
from app.transactions import unit_of_work
from app.vocabulary import (
    Channel,
    CloseReason,
    IntakeChannel,
    Measure,
    Outcome,
    PersonRole,
    ReferralTarget,
    RestrictionGround,
    Role,
    SubjectRequestKind,
    Track,
    UnitKind,
)

# --- the table -----------------------------------------------------------------

ACK_TEXT = ("Dank je voor je melding. We hebben hem goed ontvangen. We kijken wie hem "
            "behandelt en je hoort binnen drie maanden wat we ermee doen.")


@dataclass(frozen=True)
class Step:
    """One thing that happened to a case, `day` days after its receipt.

    act: ack, to_vp, to_ic, ask (the handler writes to the reporter), reply
    (the reporter writes back), feedback (a message marked as the feedback),
    note, consent, escalate, inquiry, external, findings, decide, close,
    close_advice, refer, close_early, withdraw, minutes, approve_minutes
    (the reporter, in the mailbox), paper_approval, hold; for persons
    concerned: concerned (recorded), inform, defer (until a review day
    `review_in` days from today), hearing (heard, the minutes approved),
    request (an access request by the person), ask_icc."""

    day: int
    act: str
    text: str = ""
    # The vertrouwenspersoon a case is routed to (local part of the account).
    who: str = ""
    # Who was at the meeting (minutes).
    present: str = ""
    outcome: Outcome | None = None
    measure: Measure | None = None
    reason: CloseReason | None = None
    referred_to: ReferralTarget | None = None
    # A person concerned: their name (as this report spells it), role,
    # function and unit; a deferral's ground and how many days from today
    # its review falls.
    person: str = ""
    role: PersonRole = PersonRole.ACCUSED
    function: str = ""
    unit: str = ""
    ground: RestrictionGround | None = None
    review_in: int = 0


# What the reporter does, in the mailbox (the story needs a receipt code).
REPORTER_ACTS = ("reply", "consent", "approve_minutes", "withdraw")


def _plain(act: str) -> Callable[..., Step]:
    """The step `act` on a day, with its text where it has one."""

    def make(day: int, text: str = "") -> Step:
        return Step(day, act, text)

    return make


# Steps that need only their day (and a text: what is written, or the
# reason of a legal hold).
ask, reply, feedback, note, findings, hold = map(
    _plain, ("ask", "reply", "feedback", "note", "findings", "hold"))
to_ic, consent, escalate, inquiry, external, withdraw, approve_minutes, paper_approval = map(
    _plain, ("to_ic", "consent", "escalate", "inquiry", "external", "withdraw",
             "approve_minutes", "paper_approval"))


def ack(day: int) -> Step:
    return Step(day, "ack", ACK_TEXT)


def to_vp(day: int, vp: str) -> Step:
    return Step(day, "to_vp", who=vp)


def decide(day: int, outcome: Outcome, measure: Measure | None = None, text: str = "") -> Step:
    return Step(day, "decide", text, outcome=outcome, measure=measure)


def close(day: int, text: str = "") -> Step:
    return Step(day, "close", text, reason=CloseReason.HANDLED)


def close_advice(day: int, outcome: Outcome, text: str,
                 referred_to: ReferralTarget | None = None) -> Step:
    return Step(day, "close_advice", text, outcome=outcome, referred_to=referred_to)


def refer(day: int, to: ReferralTarget, text: str) -> Step:
    return Step(day, "refer", text, referred_to=to)


def close_early(day: int, reason: CloseReason, text: str) -> Step:
    return Step(day, "close_early", text, reason=reason)


def minutes_of(day: int, text: str, present: str) -> Step:
    """Minutes of a meeting on `day`, recorded that day and, when the
    reporter has a mailbox, sent there for approval."""
    return Step(day, "minutes", text, present=present)


def concerned(day: int, name: str, role: PersonRole, function: str, unit: str) -> Step:
    return Step(day, "concerned", person=name, role=role, function=function, unit=unit)


def inform(day: int, name: str, text: str = "") -> Step:
    return Step(day, "inform", text, person=name)


def defer(day: int, name: str, ground: RestrictionGround, review_in: int, text: str) -> Step:
    return Step(day, "defer", text, person=name, ground=ground, review_in=review_in)


def hearing(day: int, name: str, text: str, present: str) -> Step:
    """The person heard on `day`; the minutes given to them and approved."""
    return Step(day, "hearing", text, present=present, person=name)


def access_request(day: int, name: str, text: str) -> Step:
    return Step(day, "request", text, person=name)


def ask_icc(day: int, name: str) -> Step:
    return Step(day, "ask_icc", person=name)


# One person concerned named in two reports, spelled differently each time:
# the handlers of both see the repeat signal (app/cases/persons.py).
REPEATED = "Zoë van den Berg"
REPEATED_ELSEWHERE = "zoe van den  Berg"

ANON, CONF, OPEN = Channel.ANONYMOUS, Channel.CONFIDENTIAL, Channel.OPEN
ADVICE, REPORT = Track.ADVICE, Track.REPORT
UNWANTED = "ongewenste_omgangsvormen"


@dataclass(frozen=True)
class Story:
    days_ago: int
    unit: str
    track: Track
    channel: Channel
    category: str
    subcategory: str | None
    what: str
    steps: tuple[Step, ...] = ()
    intake: IntakeChannel = IntakeChannel.WEB
    # Who registered a report that did not come through the web form.
    registered_by: str | None = None
    # Registered reports get a receipt code only when the reporter wants one.
    receipt: bool = False
    # Printed with the receipt code: what a newcomer finds in the mailbox.
    show_code: str = ""
    when: str = ""
    where: str = ""


def person(n: int) -> dict[str, str]:
    """An obviously fictional reporter."""
    return {"name": f"Demo Melder {n}", "email": f"melder{n}@voorbeeld.invalid"}


PHONE, LETTER, EMAIL, VISIT = (IntakeChannel.PHONE, IntakeChannel.LETTER, IntakeChannel.EMAIL,
                               IntakeChannel.IN_PERSON)

STORIES: tuple[Story, ...] = (
    # --- received: not acknowledged yet --------------------------------------------------
    Story(1, "kerndepartement", ADVICE, ANON, UNWANTED, "discriminatie_racisme",
          "Mijn leidinggevende maakt in het teamoverleg steeds grappen over mijn afkomst.",
          when="de laatste twee maanden", where="teamoverleg op maandag"),
    Story(3, "rivm", REPORT, CONF, "financiele_schendingen", None,
          "Een collega declareert reiskosten voor dagen waarop hij thuiswerkte."),
    Story(10, "igj", REPORT, OPEN, "lekken_misbruik_informatie", None,
          "Per brief: een inspecteur zou informatie over een lopend onderzoek hebben "
          "doorgegeven aan een bevriende zorginstelling.",
          intake=LETTER, registered_by="intake"),
    Story(5, "cbg", ADVICE, ANON, "misbruik_positie", None,
          "Telefonisch: een medewerker voelt zich onder druk gezet om een beoordeling "
          "sneller af te ronden dan verantwoord is.",
          intake=PHONE, registered_by="intake"),
    # --- acknowledged: waiting for intake to route --------------------------------------
    Story(12, "scp", REPORT, ANON, "oneigenlijk_gebruik_dienstmiddelen", None,
          "Een collega gebruikt de dienstauto in het weekend voor privéritten.",
          steps=(ack(2),)),
    Story(20, "kerndepartement", REPORT, CONF, "misdragingen_prive", None,
          "Een collega deelt op sociale media berichten waarin hij burgers uitscheldt en "
          "noemt daarbij ons ministerie.",
          steps=(ack(9),)),  # acknowledged late
    Story(8, "cibg", ADVICE, CONF, UNWANTED, "pesten",
          "Per e-mail: ik word door twee collega's steeds belachelijk gemaakt als ik iets "
          "vraag.", intake=EMAIL, registered_by="intake", steps=(ack(1),)),
    # --- with a vertrouwenspersoon ----------------------------------------------------------
    Story(40, "kerndepartement", ADVICE, ANON, UNWANTED, "pesten",
          "Ik word in mijn team structureel buitengesloten van overleggen.",
          steps=(ack(1), to_vp(2, "vp"),
                 ask(5, "Dank je voor je bericht. Wil je vertellen sinds wanneer dit speelt "
                        "en wie erbij betrokken zijn?"),
                 reply(9, "Sinds de reorganisatie in het voorjaar. Het gaat om mijn "
                          "teamleider en één collega."),
                 ask(15, "Zullen we een keer praten? Je kunt me bellen of hier een "
                         "moment voorstellen."))),  # waiting for the reporter
    Story(25, "cibg", ADVICE, CONF, UNWANTED, "seksuele_intimidatie",
          "Een collega stuurt mij 's avonds berichten met opmerkingen over mijn uiterlijk.",
          steps=(ack(1), to_vp(1, "vp-extern"),
                 ask(3, "Wat vervelend dat je dit meemaakt. Bewaar de berichten. Wil je "
                        "vertellen wat je het liefst zou willen dat er gebeurt?"),
                 reply(20, "Ik wil vooral dat het stopt, zonder dat het hele team het weet.")),
          show_code="the reporter answered; read the conversation and write back"),
    Story(60, "kerndepartement", ADVICE, CONF, UNWANTED, "agressie_geweld",
          "In een overleg gooide een teamleider een map op tafel en schreeuwde tegen mijn "
          "collega.", intake=VISIT, registered_by="vp",
          steps=(minutes_of(3, "Melder vertelt over het overleg van vorige week. Zij wil "
                               "advies over een gesprek met de teamleider. Afgesproken: "
                               "over twee weken opnieuw contact.",
                            "melder, vertrouwenspersoon"),
                 paper_approval(6),
                 note(20, "Melder heeft het gesprek met de teamleider gevoerd; volgt."))),
    Story(35, "scp", ADVICE, ANON, UNWANTED, "discriminatie_racisme",
          "Bij de verdeling van projecten worden collega's met een migratieachtergrond "
          "steeds overgeslagen.",
          steps=(ack(3), to_vp(4, "vp-centraal"),
                 ask(6, "Dank je. Heb je voorbeelden van projecten waarbij dit gebeurde?"),
                 reply(8, "Bij de laatste drie onderzoeken, zie het teamoverleg van maart."),
                 minutes_of(14, "Gesprek over de verdeling van projecten. Melder geeft drie "
                                "voorbeelden. Advies: situatie vastleggen; melder denkt na "
                                "over een formele melding.",
                            "melder, centrale vertrouwenspersoon")),
          show_code="minutes of a meeting wait for the reporter's approval"),
    Story(90, "rivm", ADVICE, CONF, UNWANTED, "pesten",
          "Telefonisch: een laborant wordt door haar teamgenoten genegeerd sinds zij een "
          "fout meldde.", intake=PHONE, registered_by="vp-extern",
          steps=(note(4, "Tweede telefoongesprek; melder wil nog geen stappen zetten."),)),
    Story(15, "kerndepartement", ADVICE, OPEN, UNWANTED, "overig",
          "Mijn leidinggevende belt mij tijdens mijn ziekteverlof elke dag over werk.",
          steps=(ack(6), to_vp(6, "vp"))),
    # --- with the integrity coordinator ----------------------------------------------------
    Story(30, "kerndepartement", REPORT, CONF, "misbruik_positie", None,
          "Een afdelingshoofd heeft een familielid aangenomen zonder open sollicitatie.",
          steps=(ack(3), to_ic(4),
                 concerned(6, "Marieke Smit", PersonRole.WITNESS, "secretaresse",
                           "Directie Personeel"),
                 ask(10, "Weet je of de vacature ergens is gepubliceerd?"),
                 reply(14, "Nee, ik heb haar nergens gezien. De functie stond ook niet op "
                           "intranet."))),
    Story(150, "rivm", ADVICE, CONF, UNWANTED, "seksuele_intimidatie",
          "Een senior onderzoeker raakt mij tijdens veldwerk steeds aan terwijl ik aangaf "
          "dat niet te willen.",
          steps=(ack(2), to_vp(3, "vp-extern"),
                 ask(5, "Dank je dat je dit vertelt. Zullen we afspreken voor een gesprek?"),
                 reply(7, "Graag, volgende week dinsdag kan ik."),
                 minutes_of(12, "Gesprek over het veldwerk. Melder overweegt een formele "
                                "melding bij de integriteitscoördinator.",
                            "melder, externe vertrouwenspersoon"),
                 approve_minutes(14),
                 consent(30), escalate(32))),  # passed on with consent; feedback overdue
    Story(45, "igj", REPORT, OPEN, "lekken_misbruik_informatie", None,
          "Telefonisch: vertrouwelijke stukken over een inspectiebezoek stonden op een "
          "openbare gedeelde map.", intake=PHONE, registered_by="intake",
          steps=(ack(1), to_ic(2))),
    # --- inquiry --------------------------------------------------------------------------
    Story(120, "kerndepartement", REPORT, ANON, "financiele_schendingen", None,
          "Bij inkoop worden opdrachten steeds net onder de aanbestedingsgrens opgeknipt.",
          steps=(ack(2), to_ic(3), inquiry(10),
                 concerned(11, REPEATED_ELSEWHERE, PersonRole.ACCUSED, "projectleider inkoop",
                           "Directie Bedrijfsvoering"),
                 defer(11, REPEATED_ELSEWHERE, RestrictionGround.INQUIRY, 4,
                       "Informeren zou het opvragen van de inkoopdossiers schaden."),
                 ask(12, "Om welke opdrachten gaat het ongeveer, en over welke periode?"),
                 reply(20, "Drie ICT-opdrachten in het afgelopen jaar, steeds hetzelfde "
                           "bureau."),
                 note(25, "Inkoopdossiers opgevraagd bij de directie Bedrijfsvoering."),
                 feedback(85, "We doen onderzoek naar je melding en hebben de dossiers "
                              "opgevraagd. We laten je weten wat eruit komt."))),
    Story(200, "igj", REPORT, CONF, "misbruik_positie", None,
          "Een teamleider keurt zijn eigen nevenwerkzaamheden goed.",
          steps=(ack(12), to_ic(13), inquiry(20),  # acknowledged late
                 feedback(130, "Het onderzoek loopt nog. Het duurt langer dan we wilden; "
                               "excuses daarvoor."))),  # feedback late
    Story(100, "kerndepartement", ADVICE, CONF, UNWANTED, "pesten",
          "Een collega maakt mij al maanden belachelijk in de teamapp.",
          steps=(ack(1), to_vp(2, "vp"),
                 ask(4, "Wil je schermafbeeldingen bewaren? Wat wil je dat er gebeurt?"),
                 reply(6, "Ik wil dat er onderzoek komt, de teamleider doet niets."),
                 consent(20), escalate(21), inquiry(30))),
    # --- external investigation --------------------------------------------------------
    Story(180, "kerndepartement", REPORT, CONF, "financiele_schendingen", None,
          "Een projectleider laat facturen betalen voor werk dat nooit is geleverd.",
          steps=(ack(2), to_ic(3), inquiry(8), external(30),
                 feedback(80, "We hebben een extern onderzoeksbureau gevraagd je melding "
                              "te onderzoeken."))),
    Story(130, "rivm", REPORT, OPEN, "oneigenlijk_gebruik_dienstmiddelen", None,
          "Per brief: laboratoriumapparatuur wordt gebruikt voor betaalde klussen van "
          "een eigen bedrijf.", intake=LETTER, registered_by="intake",
          steps=(ack(4), to_ic(5), inquiry(9), external(20))),  # feedback overdue
    # --- decision -------------------------------------------------------------------
    Story(240, "kerndepartement", REPORT, ANON, "misbruik_positie", None,
          "Een beleidsmedewerker beïnvloedt subsidiebesluiten voor een stichting waar hij "
          "bestuurder is.",
          steps=(ack(2), to_ic(3), inquiry(7),
                 concerned(8, REPEATED, PersonRole.ACCUSED, "beleidsmedewerker",
                           "Directie Subsidies"),
                 concerned(8, "Jeroen Kok", PersonRole.WITNESS, "teamleider",
                           "Directie Subsidies"),
                 inform(20, REPEATED, "Per brief geïnformeerd over de melding en haar "
                                      "rechten."),
                 external(21),
                 feedback(60, "Een extern bureau onderzoekt je melding."),
                 findings(100, "Bevindingen: belangenverstrengeling vastgesteld bij twee "
                               "besluiten."),
                 hearing(110, REPEATED, "Zoë van den Berg erkent bestuurder van de stichting "
                                        "te zijn. Zij zegt dat Jeroen Kok daarvan wist en dat "
                                        "zij zich bij één besluit heeft verschoond.",
                         "Zoë van den Berg, integriteitscoördinator, jurist"),
                 ask_icc(111, REPEATED),
                 decide(120, Outcome.FOUNDED, Measure.REPRIMAND,
                        "Het onderzoek is klaar. Je melding is gegrond en er is een "
                        "maatregel genomen."),
                 access_request(225, REPEATED, "Zoë van den Berg vraagt per e-mail welke "
                                               "gegevens over haar zijn vastgelegd."))),
    Story(90, "igj", REPORT, CONF, UNWANTED, "agressie_geweld",
          "Een collega dreigde mij na een meningsverschil 'op te wachten' na het werk.",
          steps=(ack(1), to_ic(2), inquiry(5),
                 decide(70, Outcome.NOT_ESTABLISHED, None,
                        "We hebben gesproken met betrokkenen en getuigen. We konden niet "
                        "vaststellen wat er precies is gezegd."))),
    # --- closed in the last fifteen months ---------------------------------------------
    Story(400, "kerndepartement", REPORT, CONF, "financiele_schendingen", None,
          "Een medewerker van de financiële administratie boekt geld over naar een eigen "
          "rekening.",
          steps=(ack(3), to_ic(4), inquiry(10), external(30),
                 feedback(80, "Een extern bureau onderzoekt je melding."),
                 findings(110, "Bevindingen: onterechte overboekingen vastgesteld."),
                 decide(130, Outcome.FOUNDED, Measure.CRIMINAL_COMPLAINT,
                        "Je melding is gegrond. Er is aangifte gedaan."),
                 close(140))),
    Story(350, "rivm", REPORT, ANON, "misbruik_positie", None,
          "Een leidinggevende laat een stagiair zijn privéverhuizing regelen onder "
          "werktijd.",
          steps=(ack(2), to_ic(3), inquiry(10),
                 decide(60, Outcome.FOUNDED, Measure.WARNING,
                        "Je melding is gegrond. Er is een maatregel genomen."),
                 close(70))),
    Story(300, "kerndepartement", REPORT, OPEN, "oneigenlijk_gebruik_dienstmiddelen", None,
          "Telefonisch: laptops van het ministerie worden thuis door familieleden gebruikt.",
          intake=PHONE, registered_by="intake",
          steps=(ack(9), to_ic(10), inquiry(15),  # acknowledged late
                 decide(110, Outcome.FOUNDED, Measure.ORGANISATIONAL_MEASURE,
                        "Je melding is gegrond. De regels voor laptops worden aangescherpt."),
                 close(115))),  # feedback (the decision) late
    Story(280, "igj", REPORT, CONF, "lekken_misbruik_informatie", None,
          "Een inspecteur bespreekt namen van zorgaanbieders in een openbaar forum.",
          steps=(ack(1), to_ic(2), inquiry(6),
                 feedback(70, "We onderzoeken je melding en spreken met betrokkenen."),
                 decide(140, Outcome.FOUNDED, Measure.TRANSFER,
                        "Je melding is gegrond. Er is een maatregel genomen."),
                 close(150, "We sluiten je melding af. Dank je dat je dit hebt gemeld.")),
          show_code="a closed case: the outcome in plain words"),
    Story(420, "kerndepartement", REPORT, CONF, "misbruik_positie", None,
          "Een medewerker neemt geld aan van een leverancier in ruil voor opdrachten.",
          steps=(ack(2), to_ic(3), inquiry(9), external(25),
                 feedback(75, "Een extern bureau onderzoekt je melding."),
                 findings(120, "Bevindingen: contante betalingen aangetoond."),
                 decide(150, Outcome.FOUNDED, Measure.CONDITIONAL_DISMISSAL,
                        "Je melding is gegrond. Er is een maatregel genomen."),
                 close(160))),
    Story(250, "kerndepartement", REPORT, ANON, UNWANTED, "discriminatie_racisme",
          "Een sollicitant met een hoofddoek werd volgens mij afgewezen om die reden.",
          steps=(ack(4), to_ic(5), inquiry(12),
                 decide(80, Outcome.UNFOUNDED, None,
                        "We hebben de sollicitatieprocedure nagelopen. De afwijzing had een "
                        "andere, gedocumenteerde reden. Je melding is ongegrond."),
                 close(85))),
    Story(200, "rivm", REPORT, CONF, UNWANTED, "pesten",
          "Mijn teamleider geeft mij al een jaar alleen nog administratief werk.",
          steps=(ack(3), to_ic(4), inquiry(10),
                 decide(95, Outcome.NOT_ESTABLISHED, None,
                        "We konden niet vaststellen dat het om pesten gaat. We raden een "
                        "gesprek met bemiddeling aan."),
                 close(100))),
    Story(180, "cbg", REPORT, ANON, "misstand_klokkenluidersregeling", None,
          "Ik vind dat het bedrijfsrestaurant te duur is geworden.",
          steps=(ack(2), close_early(5, CloseReason.NOT_ADMISSIBLE,
                                     "Dank je voor je bericht. Dit is geen melding van een "
                                     "integriteitsschending; we nemen het niet in "
                                     "behandeling. Je kunt terecht bij de facilitaire "
                                     "dienst.")),
          ),
    Story(160, "kerndepartement", ADVICE, ANON, UNWANTED, "pesten",
          "Een collega stuurt mij steeds na werktijd appjes met kritiek op mijn werk.",
          steps=(ack(1), to_vp(2, "vp"),
                 ask(4, "Heb je al met je leidinggevende gesproken?"),
                 reply(6, "Nee, ik weet niet goed hoe ik het moet aanpakken."),
                 close_advice(30, Outcome.ADVICE_GIVEN,
                              "We hebben samen een gesprek voorbereid. Je kunt altijd "
                              "terugkomen als het niet verandert."))),
    Story(330, "scp", ADVICE, CONF, UNWANTED, "overig",
          "Door de werkdruk in mijn team slaap ik slecht en ik durf het niet te zeggen.",
          steps=(ack(2), to_vp(3, "vp-centraal"),
                 close_advice(25, Outcome.REFERRED,
                              "We hebben je in contact gebracht met de bedrijfsarts.",
                              ReferralTarget.COMPANY_DOCTOR))),
    Story(100, "kerndepartement", REPORT, CONF, "oneigenlijk_gebruik_dienstmiddelen", None,
          "Mijn leidinggevende weigert mijn verlof goed te keuren.",
          steps=(ack(2), refer(6, ReferralTarget.HR,
                               "Dit is een arbeidsconflict, geen integriteitskwestie. We "
                               "hebben je doorverwezen naar HR."))),
    Story(70, "igj", REPORT, ANON, "misbruik_positie", None,
          "Een collega gebruikt zijn functie om afspraken bij een kliniek voor te laten "
          "gaan.",
          steps=(ack(1), to_ic(2), withdraw(20))),
    Story(380, "cibg", ADVICE, CONF, UNWANTED, "seksuele_intimidatie",
          "Op de afdelingsborrel maakte een collega seksueel getinte opmerkingen.",
          intake=VISIT, registered_by="vp-extern",
          steps=(close_advice(40, Outcome.ADVICE_GIVEN,
                              "Je hebt het gesprek met je collega gevoerd en het is "
                              "gestopt. We sluiten het af."),)),
    # --- closed more than two years ago: the retention sweep shreds these -------------
    Story(820, "kerndepartement", ADVICE, ANON, UNWANTED, "pesten",
          "Ik word bij het uitdelen van taken steeds gepasseerd.",
          steps=(ack(1), to_vp(2, "vp"),
                 close_advice(20, Outcome.ADVICE_GIVEN, "We hebben samen je opties besproken."))),
    Story(790, "cibg", REPORT, ANON, "financiele_schendingen", None,
          "De koffieautomaat rekent te veel af.",
          steps=(ack(2), close_early(5, CloseReason.NOT_ADMISSIBLE,
                                     "Dit is geen integriteitsschending; we nemen het niet "
                                     "in behandeling."))),
    # ... and one the sweep must keep: a legal hold.
    Story(860, "kerndepartement", REPORT, CONF, "misbruik_positie", None,
          "Een directeur laat een aanbesteding gunnen aan het bedrijf van een oud-collega.",
          steps=(ack(2), to_ic(3),
                 close_early(20, CloseReason.WITHDRAWN,
                             "Je hebt laten weten dat je je melding intrekt. We sluiten hem "
                             "af."),
                 hold(40, "Betrokkene heeft een procedure bij de rechter aangespannen; niet "
                          "vernietigen tot de uitspraak."))),
)


@dataclass(frozen=True)
class SignalStory:
    days_ago: int
    vp: str
    unit: str
    category: str
    subcategory: str | None
    referred_to: ReferralTarget | None = None


# Signals: conversations with a vertrouwenspersoon that only count.
SIGNALS: tuple[SignalStory, ...] = (
    SignalStory(20, "vp", "kerndepartement", UNWANTED, "pesten"),
    SignalStory(95, "vp", "kerndepartement", UNWANTED, "overig", ReferralTarget.MANAGER),
    SignalStory(210, "vp", "kerndepartement", UNWANTED, "seksuele_intimidatie"),
    SignalStory(760, "vp", "kerndepartement", UNWANTED, "pesten"),  # past retention
    SignalStory(33, "vp-extern", "cibg", UNWANTED, "seksuele_intimidatie"),
    SignalStory(140, "vp-extern", "rivm", "misbruik_positie", None, ReferralTarget.IC),
    SignalStory(300, "vp-extern", "igj", UNWANTED, "agressie_geweld"),
    SignalStory(12, "vp-centraal", "scp", UNWANTED, "discriminatie_racisme"),
    SignalStory(75, "vp-centraal", "cbg", UNWANTED, "pesten", ReferralTarget.HR),
    SignalStory(260, "vp-centraal", "kerndepartement", UNWANTED, "overig"),
)


# The counsellors' accounts of the year (seed 000 §28: each VP reports
# yearly to the head of their unit; the ICC integrates them). No names.
# Written for the calendar year that holds most of the demo's stories: the
# year of the day six months ago.
NARRATIVES: tuple[tuple[str, str], ...] = (
    ("vp", "Dit jaar kwamen de meeste gesprekken over pesten en over de toon in "
           "teamoverleggen. Vaak wilden mensen vooral hun verhaal kwijt en samen de "
           "volgende stap bedenken. Twee keer is iemand met toestemming doorgegaan naar "
           "de integriteitscoördinator. Aandachtspunt voor de leiding: medewerkers weten "
           "nog niet goed dat ze ook anoniem een melding kunnen doen."),
    ("vp-extern", "Als externe vertrouwenspersoon sprak ik medewerkers van CIBG, RIVM en IGJ. "
                  "Opvallend was dat mensen bij een externe vertrouwenspersoon sneller "
                  "over grensoverschrijdend gedrag durven te praten. Een signaal over "
                  "misbruik van positie is met toestemming doorverwezen naar de "
                  "integriteitscoördinator."),
    ("vp-centraal", "Het eerste jaar als centrale vertrouwenspersoon. Ik sprak medewerkers "
                    "uit verschillende onderdelen, onder wie een medewerker over "
                    "discriminatie. Advies aan de organisatie: maak de keuzehulp 'Ik zit "
                    "ergens mee' beter bekend, en zorg dat leidinggevenden weten hoe ze een "
                    "signaal serieus oppakken."),
)


# --- seeding ------------------------------------------------------------------------


@dataclass
class YearSummary:
    cases: int = 0
    states: Counter[str] = field(default_factory=Counter)
    signals: Counter[str] = field(default_factory=Counter)
    narratives: int = 0
    # (case number, receipt code, what the mailbox shows)
    codes: list[tuple[str, str, str]] = field(default_factory=list)
    # The cases that name the same person concerned, spelled differently.
    repeated: list[str] = field(default_factory=list)


class _Cast:
    """The demo users by local part, each with their unlocked private key
    (unlocked once: with production Argon2 costs that takes a moment)."""

    def __init__(self, users: dict[str, User], password: str) -> None:
        self.users = users
        self.password = password
        self._keys: dict[int, PrivateKey] = {}

    def key_of(self, user: User) -> PrivateKey:
        if user.id not in self._keys:
            assert user.private_key_protected is not None  # enrolled by the demo
            self._keys[user.id] = unlock_private_key(user.private_key_protected, self.password)
        return self._keys[user.id]

    def ic_of(self, case: Case) -> User:
        return next(u for u in self.users.values()
                    if u.has_role(Role.IC) and u.unit_id == case.unit_id)


@dataclass
class _Run:
    """One story being played: the case, who handles it now, the receipt code."""

    session: Session
    rt: Runtime
    cast: _Cast
    case: Case
    handler: User
    code: str | None
    received: datetime
    # (model, row id, column) -> the moment to move that timestamp to.
    moves: dict[Stamp, datetime] = field(default_factory=dict)

    def key(self, user: User | None = None) -> CaseKeys:
        who = user or self.handler
        return custody.open_case_key(self.session, self.case, who, self.cast.key_of(who))

    def perform(self, user: User, action: str, **params: Any) -> None:
        workflow.perform(self.session, self.rt, self.case, user, self.cast.key_of(user), action,
                         origin="cli", **params)

    def as_reporter(self) -> mailbox.OpenMailbox:
        assert self.code is not None, f"story of {self.case.number} needs a receipt code"
        opened, _cookie = mailbox.sign_in(self.session, self.rt, self.code)
        if opened.must_replace_code:
            # A code staff handed over: the reporter replaces it first.
            self.code = mailbox.replace_code(self.session, self.rt, opened)
            mailbox.confirm_new_code(self.session, self.rt, opened, self.code)
        return opened


def _desk(run: _Run, vp: User | None) -> User:
    """Who acknowledges and routes a new case: intake, or — for a request for
    a VP, which goes straight to the VPs — the VP who takes it (or another
    VP who holds it)."""
    intake = run.cast.users["intake"]
    if custody.holds(run.session, run.case, intake):
        return intake
    if vp is not None and custody.holds(run.session, run.case, vp):
        return vp
    return next(user for user in run.cast.users.values()
                if user.has_role(Role.VP) and custody.holds(run.session, run.case, user))


def _take(run: _Run, step: Step) -> None:
    """One step through the domain, as the person who takes it."""
    users, session, rt, case = run.cast.users, run.session, run.rt, run.case
    act = step.act
    if act == "ack":
        run.perform(_desk(run, None), "acknowledge", text=step.text)
    elif act == "to_vp":
        vp = users[step.who]
        run.perform(_desk(run, vp), "route_to_vp", vp_id=str(vp.id))
        run.handler = vp
    elif act == "to_ic":
        run.perform(users["intake"], "route_to_ic")
        run.handler = run.cast.ic_of(case)
    elif act in ("ask", "feedback"):
        casework.send_message_to_reporter(session, rt, case, run.key(), run.handler, step.text,
                                          as_feedback=act == "feedback")
    elif act == "note":
        casework.write_note(session, rt, case, run.key(), run.handler, step.text, "internal")
    elif act in REPORTER_ACTS:
        opened = run.as_reporter()
        if act == "reply":
            mailbox.send_message(session, rt, opened, step.text)
        elif act == "consent":
            mailbox.set_consent(session, rt, opened, True)
        elif act == "approve_minutes":
            latest = minutes.read_minutes(session, case, opened.key, for_reporter=True)[0]
            mailbox.approve_minutes(session, rt, opened, latest.id, latest.current_version)
        else:
            mailbox.withdraw(session, rt, opened)
        mailbox.close_mailbox(session, rt, opened)
    elif act == "escalate":
        run.perform(run.handler, "escalate_to_ic")
        run.handler = run.cast.ic_of(case)
    elif act == "inquiry":
        run.perform(run.handler, "start_inquiry")
    elif act == "external":
        bureau = session.scalar(select(Unit).where(Unit.kind == UnitKind.BUREAU,
                                                   Unit.code == "bureau-integriteit"))
        assert bureau is not None
        run.perform(run.handler, "refer_to_external", bureau_id=str(bureau.id),
                    fields=["what", "when", "where"], attachment_ids=[])
    elif act == "findings":
        run.perform(users["onderzoeker"], "deliver_external_report", findings=step.text)
    elif act == "decide":
        assert step.outcome is not None
        run.perform(run.handler, "record_decision", outcome=step.outcome.value,
                    measure=step.measure.value if step.measure else "", feedback=step.text)
    elif act == "close":
        assert step.reason is not None
        run.perform(run.handler, "close", close_reason=step.reason.value, message=step.text)
    elif act == "close_advice":
        assert step.outcome is not None
        run.perform(run.handler, "close_advice", outcome=step.outcome.value,
                    referred_to=step.referred_to.value if step.referred_to else "",
                    message=step.text)
    elif act == "refer":
        assert step.referred_to is not None
        run.perform(run.handler, "refer_elsewhere", referred_to=step.referred_to.value,
                    message=step.text)
    elif act == "close_early":
        assert step.reason is not None
        run.perform(run.handler, "close_early", reason=step.reason.value, message=step.text)
    elif act == "minutes":
        recorded = minutes.record_minutes(session, rt, case, run.key(), run.handler,
                                          meeting_on=_moment(run.received, step.day).date(),
                                          text=step.text, present=step.present)
        if minutes.has_mailbox(session, case):
            minutes.send_minutes(session, rt, case, run.handler, recorded.id)
    elif act == "paper_approval":
        latest = minutes.read_minutes(session, case, run.key())[0]
        minutes.approve_on_paper(session, rt, case, run.handler, latest.id,
                                 latest.current_version)
    elif act == "hold":
        set_legal_hold(session, rt, case, run.handler, run.key(), step.text)
    elif act in PERSON_ACTS:
        _person_step(run, step)
    else:
        raise ValueError(f"unknown demo step {act!r}")


PERSON_ACTS = ("concerned", "inform", "defer", "hearing", "request", "ask_icc")


def _person_step(run: _Run, step: Step) -> None:
    """A step about a person concerned, as the case's handler."""
    session, rt, case, handler = run.session, run.rt, run.case, run.handler
    key = run.key()
    if step.act == "concerned":
        persons.add_person(session, rt, case, key, handler, persons.PersonDetails(
            name=step.person, function=step.function, unit=step.unit, role=step.role))
        return
    # As recorded: white space runs are one space.
    person_id = next(p.id for p in persons.read_persons(session, case, key)
                     if p.name == " ".join(step.person.split()))
    on = _moment(run.received, step.day).date()
    if step.act == "inform":
        persons.record_informed(session, rt, case, key, handler, person_id, on=on,
                                means="letter", note=step.text)
    elif step.act == "defer":
        assert step.ground is not None
        today = local_date(utcnow(), rt.settings.zone)
        persons.defer_notice(session, rt, case, key, handler, person_id, ground=step.ground,
                             review_on=today + timedelta(days=step.review_in), note=step.text)
    elif step.act == "hearing":
        run.perform(handler, "record_hearing", person_id=str(person_id), held_on=on.isoformat(),
                    minutes=step.text, present=step.present)
        heard = hearings.read_hearings(session, case, run.key())[0]
        hearings.give_to_person(session, rt, case, handler, heard.id, heard.current_version)
        hearings.record_approval(session, rt, case, handler, heard.id, heard.current_version)
    elif step.act == "request":
        subject_requests.register_request(session, rt, case, key, handler,
                                          kind=SubjectRequestKind.ACCESS, received_on=on,
                                          person_id=person_id, details=step.text)
    else:
        persons.ask_icc(session, rt, case, key, handler, person_id)


# --- back-dating ------------------------------------------------------------------------

# A timestamp of one row: (model, row id, column).
Stamp = tuple[Any, int, str]
_CASE_MOMENTS = ("received_at", "acknowledged_at", "feedback_given_at", "closed_at",
                 "escalated_at", "consent_given_at", "consent_withdrawn_at",
                 "legal_hold_set_at")
# Row timestamps the domain stamps as it writes: (model, columns).
_ROW_MOMENTS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Message, ("created_at",)),
    (CaseNote, ("created_at",)),
    (MeetingMinutes, ("created_at", "sent_at", "decided_at")),
    (MinutesVersion, ("created_at", "corrected_at")),
    (KeyWrap, ("granted_at",)),
    (ExternalReferral, ("created_at",)),
    (Receipt, ("created_at",)),
    (PersonConcerned, ("created_at", "notice_decided_at")),
    (Hearing, ("created_at", "given_at", "decided_at")),
    (HearingVersion, ("created_at", "commented_at")),
    (SubjectRequest, ("created_at",)),
    (RepeatReview, ("requested_at",)),
)


def _moment(received: datetime, day: int, index: int = 0) -> datetime:
    """A step's moment: its day after receipt, in office hours, never in the future."""
    moment = datetime.combine(received.date() + timedelta(days=day), time(10, 0), tzinfo=UTC)
    return min(moment + timedelta(minutes=10 * index), utcnow() - timedelta(minutes=1))


def _stamps(session: Session, case: Case) -> dict[Stamp, datetime | None]:
    stamps: dict[Stamp, datetime | None] = {
        (Case, case.id, name): getattr(case, name) for name in _CASE_MOMENTS}
    model: Any
    for model, columns in _ROW_MOMENTS:
        rows = session.execute(select(model.id, *(getattr(model, c) for c in columns))
                               .where(model.case_id == case.id))
        for row_id, *values in rows:
            for name, value in zip(columns, values, strict=True):
                stamps[(model, row_id, name)] = value
    return stamps


def _note_moves(run: _Run, before: dict[Stamp, datetime | None],
                moment: datetime) -> dict[Stamp, datetime | None]:
    """Every timestamp set or changed by the step just taken belongs to its moment."""
    after = _stamps(run.session, run.case)
    for stamp, value in after.items():
        if value is not None and before.get(stamp) != value:
            run.moves[stamp] = moment
    return after


def _backdate(session: Session, rt: Runtime, run: _Run) -> None:
    """Demo back-dating, the only place the demo writes times itself: each
    clear timestamp the domain stamped during a step moves to that step's
    day, and the deadlines are computed again from the moved dates
    (app/cases/deadlines.py). Content, keys and the audit log are left as
    they are: the audit log shows when the demo really took each step."""
    case = run.case
    with unit_of_work(session):
        for (model, row_id, name), moment in sorted(run.moves.items(), key=lambda m: m[1]):
            if model is Case:
                setattr(case, name, moment)
            else:
                session.execute(update(model).where(model.id == row_id).values({name: moment}))
        case.acknowledge_due_at = acknowledge_due(case.received_at, rt.settings)
        case.feedback_due_at = feedback_due(case.received_at, case.acknowledged_at, rt.settings)


def _backdate_signal(session: Session, case: Case) -> None:
    """Demo back-dating of a signal: registered the day it was heard. The
    domain dates everything else of a signal to that day already."""
    with unit_of_work(session):
        case.closed_at = case.received_at


# --- the stories ------------------------------------------------------------------------


def _file(session: Session, rt: Runtime, cast: _Cast, story: Story,
          n: int) -> tuple[Case, str | None]:
    units = {u.code: u for u in session.scalars(select(Unit))}
    report = {"what": story.what}
    if story.when:
        report["when"] = story.when
    if story.where:
        report["where"] = story.where
    identity = person(n) if story.channel != Channel.ANONYMOUS else None
    if story.registered_by is None:
        case, code = submit_report(session, rt, NewReport(
            unit_id=units[story.unit].id, track=story.track, channel=story.channel,
            category=story.category, subcategory=story.subcategory, report=report,
            identity=identity))
    else:
        wants_mailbox = story.receipt or any(s.act in REPORTER_ACTS for s in story.steps)
        case, code = register_report(session, rt, cast.users[story.registered_by], Registration(
            unit_id=units[story.unit].id, track=story.track, channel=story.channel,
            intake_channel=story.intake, report=report, identity=identity,
            category=story.category, subcategory=story.subcategory,
            with_receipt=wants_mailbox))
    return case, str(code) if code is not None else None


def play(session: Session, rt: Runtime, cast: _Cast, story: Story, n: int,
         today: datetime) -> tuple[Case, str | None]:
    """File the report, take its steps, then back-date it."""
    received = datetime.combine((today - timedelta(days=story.days_ago)).date(),
                                time(8, 0), tzinfo=UTC) + timedelta(minutes=n)
    case, code = _file(session, rt, cast, story, n)
    handler = cast.users[story.registered_by or "intake"]
    run = _Run(session, rt, cast, case, handler, code, received)
    stamps = _note_moves(run, {}, received)
    for index, step in enumerate(story.steps, start=1):
        _take(run, step)
        stamps = _note_moves(run, stamps, _moment(received, step.day, index))
    _backdate(session, rt, run)
    return case, run.code


def play_signal(session: Session, rt: Runtime, cast: _Cast, signal: SignalStory,
                today: datetime) -> Case:
    unit = session.scalar(select(Unit).where(Unit.code == signal.unit))
    assert unit is not None
    heard = (today - timedelta(days=signal.days_ago)).date()
    case = register_signal(session, rt, cast.users[signal.vp], Signal(
        unit_id=unit.id, category=signal.category, subcategory=signal.subcategory, on=heard,
        advice_given=signal.referred_to is None,
        referred_to=signal.referred_to.value if signal.referred_to else None))
    _backdate_signal(session, case)
    return case


def demo_users(session: Session, emails: Iterable[tuple[str, str]]) -> dict[str, User]:
    """The demo users by local part, from (local part, email)."""
    users: dict[str, User] = {}
    for local, email in emails:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        users[local] = user
    return users


def narrative_year(today: datetime, rt: Runtime) -> int:
    """The year the counsellors' accounts are written for (see NARRATIVES)."""
    return (today - timedelta(days=183)).astimezone(rt.settings.zone).year


def seed_year(session: Session, rt: Runtime, users: dict[str, User],
              password: str) -> YearSummary:
    """Play every story and signal; return what was seeded."""
    cast = _Cast(users, password)
    today = utcnow()
    summary = YearSummary()
    for n, story in enumerate(STORIES, start=1):
        case, code = play(session, rt, cast, story, n, today)
        summary.cases += 1
        summary.states[case.state] += 1
        if story.show_code and code is not None:
            summary.codes.append((case.number, code, story.show_code))
        if any(step.person in (REPEATED, REPEATED_ELSEWHERE) for step in story.steps):
            summary.repeated.append(case.number)
    for signal in SIGNALS:
        case = play_signal(session, rt, cast, signal, today)
        summary.cases += 1
        summary.states[case.state] += 1
        summary.signals[signal.vp] += 1
    for vp, text in NARRATIVES:
        vp_report.save_narrative(session, rt, users[vp], narrative_year(today, rt), text)
        summary.narratives += 1
    return summary

