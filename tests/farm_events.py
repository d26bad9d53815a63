"""Synthetic news events for the feed farm: invented places, people and numbers, many wordings.

Each event belongs to a topic (a flood barrier vote, a rate rise, a rail strike, ...) and gets
its own invented names (city, country, river, people, companies) and numbers, so two events of
one topic share only the topic's vocabulary, as two real strikes in two countries would. An
article about an event is written from the topic's templates: one of several headlines, one of
several leads, then the topic's facts in a shuffled order, each in one of several wordings. So
different outlets write about one event in different words (they cluster as one story but are
not syndicated copies), and everything is deterministic given the seeds.

``make_events(n, seed)`` builds the catalogue; ``write_article(event, rng, outlet)`` one article.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_PLACE_HEAD = (
    "Mar", "Cas", "Ost", "Vel", "Tor", "Bran", "Kel", "Ald", "Fen", "Gral", "Hol", "Lun",
    "Mor", "Nes", "Orv", "Pel", "Quen", "Ros", "Sel", "Tam", "Ulm", "Vask", "Wend", "Yar",
    "Zel", "Brid", "Dun", "Eld", "Fal", "Grim", "Hask", "Ist", "Jor", "Kap", "Lov", "Mist",
)  # fmt: skip
_PLACE_MID = ("en", "a", "o", "i", "er", "el", "", "an", "ing", "u")
_PLACE_TAIL = (
    "holt", "brook", "ford", "wick", "stad", "berg", "mouth", "vale", "haven", "by", "dorf",
    "minster", "port", "ton", "ness", "kirk", "field", "gate",
)  # fmt: skip
_LAND_TAIL = ("land", "ia", "mark", "avia", "onia", "eria", "istan", "ova")
_FIRST = (
    "Ilse", "Tomasz", "Anneli", "Mads", "Jonas", "Petra", "Oskar", "Lucia", "Henrik", "Amara",
    "Dmitri", "Sofia", "Rafael", "Ingrid", "Kofi", "Yara", "Emil", "Nadia", "Tariq", "Greta",
    "Bruno", "Leila", "Viktor", "Hana", "Matteo", "Zofia", "Anders", "Celeste", "Idris", "Maren",
    "Teodor", "Ines", "Farid", "Solveig", "Nikolai", "Elif", "Ruben", "Agnes", "Luca", "Dagny",
)  # fmt: skip
_SUR_HEAD = (
    "Brand", "Reed", "Kask", "Holm", "Brek", "Varg", "Lind", "Mosk", "Ferr", "Dahl", "Okon",
    "Strat", "Wirt", "Pel", "Quist", "Haug", "Zan", "Trel", "Bask", "Corv", "Ekl", "Jessn",
)  # fmt: skip
_SUR_TAIL = ("auer", "sen", "ik", "ova", "ley", "stro", "mann", "ard", "ell", "ani", "eda", "ov")
_ANIMALS = ("Heron", "Lynx", "Otter", "Falcon", "Stag", "Marten", "Crane", "Badger", "Kestrel")
_THINGS = ("Lantern", "Orchard", "Harbour", "Winter", "Glass", "Salt", "Iron", "Paper", "Tide")


class Names:
    """Invented, unique names drawn from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("feedfarm: ran out of invented names")

    def place(self) -> str:
        r = self.rng
        return self._unique(
            lambda: (r.choice(_PLACE_HEAD) + r.choice(_PLACE_MID) + r.choice(_PLACE_TAIL)).title()
        )

    def land(self) -> str:
        r = self.rng
        return self._unique(
            lambda: (
                r.choice(_PLACE_HEAD) + r.choice(("", "", "er", "an")) + r.choice(_LAND_TAIL)
            ).title()
        )

    def surname(self) -> str:
        r = self.rng
        return self._unique(
            lambda: (
                r.choice(_SUR_HEAD)
                + r.choice(("", "", "er", "an", "el", "o"))
                + r.choice(_SUR_TAIL)
            )
        )

    def person(self) -> tuple[str, str]:
        last = self.surname()
        return f"{self.rng.choice(_FIRST)} {last}", last

    def acronym(self) -> str:
        r = self.rng
        return self._unique(lambda: "".join(r.choice("BCDFGKLMNPRSTVZ") for _ in range(3)))


# --- topics ----------------------------------------------------------------------------------
# Each topic: a subject (for opinion pieces), headlines, leads, and facts (each a tuple of
# wordings). Templates are str.format()ed with the event's slots.


@dataclass(frozen=True)
class Topic:
    key: str
    subject: str
    headlines: tuple[str, ...]
    leads: tuple[str, ...]
    facts: tuple[tuple[str, ...], ...]
    section: str = "World"


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="barrier",
        section="Environment",
        subject="the {river} estuary barrier in {city}",
        headlines=(
            "{city} approves {money} million euro flood barrier after two-year fight",
            "Port city of {city} votes for {river} estuary storm-surge wall",
            "{city} council backs {river} flood barrier in {votes_for}-{votes_against} vote",
            "Mayor {person_last} wins vote on {money} million euro {river} barrier",
        ),
        leads=(
            "The city council of {city} approved a {money} million euro flood barrier for the "
            "{river} estuary on {day}, ending two years of argument over how to protect the "
            "port from storm surges.",
            "Councillors in the port city of {city} voted {votes_for} to {votes_against} on "
            "{day} to build a storm-surge barrier across the {river} estuary at a cost of "
            "about {money} million euros.",
            "{city} will build a {money} million euro barrier across the mouth of the {river} "
            "after its council voted in favour on {day}, mayor {person} announced.",
        ),
        facts=(
            (
                "Mayor {person} said the barrier would be built in three stages and finished "
                "by {year}.",
                "Construction is due to start next spring and end in {year}, according to "
                "mayor {person}.",
                "{person_last}, the mayor, told reporters the work would take until {year}.",
            ),
            (
                "The vote passed {votes_for} to {votes_against}.",
                "{votes_against} councillors voted against the plan and {votes_for} in favour.",
                "The motion carried by {votes_for} votes to {votes_against}.",
            ),
            (
                "Fishing cooperatives said construction would close the northern channel for "
                "two seasons and demanded compensation.",
                "Fishermen warned that closing the northern channel of the {river} would ruin "
                "them unless the regional government of {region} pays compensation.",
                "The {acr} fishing cooperative said its {n_boats} boats would lose access to "
                "the northern channel during the works.",
            ),
            (
                "The port of {city} has flooded {floods} times in the past decade.",
                "Supporters pointed to {floods} floods in ten years that closed the harbour.",
                "Storm surges have swamped the harbour district {floods} times since the last "
                "defences were built.",
            ),
            (
                "Opposition leader {person2} said the cost estimate was too optimistic.",
                "{person2}, who led the opposition to the plan, called the budget "
                "unrealistic and predicted overruns.",
                "Critics led by councillor {person2} said the {money} million euro estimate "
                "left out maintenance.",
            ),
            (
                "Harbour companies, including the operator {org}, welcomed the decision.",
                "{org}, which runs the container terminal, said the barrier would secure "
                "about {jobs} jobs.",
                "The terminal operator {org} called the vote good news for {jobs} workers.",
            ),
        ),
    ),
    Topic(
        key="rates",
        section="Business",
        subject="the Bank of {country}'s latest rate rise",
        headlines=(
            "{country} central bank raises interest rate to {rate} percent",
            "{person_last} signals more hikes as Bank of {country} lifts rates again",
            "Bank of {country} raises rates for the third time this year",
            "{currency} climbs after Bank of {country} rate increase",
        ),
        leads=(
            "The Bank of {country} raised its main interest rate by a quarter point to {rate} "
            "percent on {day}, its third increase this year, as inflation stayed at {infl} "
            "percent.",
            "{person}, governor of the Bank of {country}, warned that borrowing costs may rise "
            "further after the bank lifted its key rate to {rate} percent on {day}.",
            "Borrowing costs in {country} went up again on {day} when the central bank set "
            "its benchmark rate at {rate} percent.",
        ),
        facts=(
            (
                "Governor {person} said food and energy prices were still rising faster than "
                "wages.",
                "{person_last} told a press conference in {city} that prices were outpacing pay.",
                "According to governor {person}, wages in {country} are falling behind prices.",
            ),
            (
                "Inflation was {infl} percent in the latest figures, against a 2 percent target.",
                "Consumer prices rose {infl} percent over the year, far above the bank's goal "
                "of 2 percent.",
                "The {infl} percent inflation rate is more than three times the target.",
            ),
            (
                "The {currency} rose {fx} percent against the euro after the announcement.",
                "The {currency} strengthened by {fx} percent on the news.",
                "Currency traders pushed the {currency} up {fx} percent.",
            ),
            (
                "Mortgage lenders said monthly repayments would rise for about {households} "
                "households.",
                "About {households} households with variable mortgages will pay more, lenders "
                "estimated.",
                "The {acr} association of lenders said {households} mortgage holders would "
                "feel the increase.",
            ),
            (
                "Finance minister {person2} said the government respected the bank's independence.",
                "{person2}, the finance minister, declined to criticise the decision.",
                "The finance ministry under {person2} said it would not comment on monetary "
                "policy.",
            ),
            (
                "The bank's next meeting is in {month}.",
                "Economists at {org} expect another rise at the {month} meeting.",
                "The bank said it was ready to act again in {month}.",
            ),
        ),
    ),
    Topic(
        key="strike",
        section="World",
        subject="the {country} rail strike",
        headlines=(
            "Rail workers in {country} begin {hours}-hour strike over pay",
            "{org} cancels most trains as drivers strike",
            "{country} rail strike strands commuters in {city}",
            "{acr} union walks out as {org} pay talks collapse",
        ),
        leads=(
            "Train drivers and conductors across {country} walked out on {day} at the start of "
            "a {hours}-hour strike over pay, cancelling nine in ten services.",
            "{country}'s state railway {org} cancelled most of its trains on {day} as members "
            "of the {acr} union began a strike.",
            "Commuters in {city} queued for buses on {day} as a {hours}-hour rail strike "
            "brought {country}'s trains to a halt.",
        ),
        facts=(
            (
                "The {acr} union says wages have fallen {lost} percent behind inflation.",
                "Union leader {person} said real pay had dropped by {lost} percent.",
                "According to the union, drivers have lost {lost} percent of their pay to "
                "inflation.",
            ),
            (
                "The state operator {org} said it had offered a {offer} percent rise.",
                "{org} called its {offer} percent offer fair and the strike irresponsible.",
                "Management at {org} said a {offer} percent increase was all it could afford.",
            ),
            (
                "Bus queues stretched for blocks in {city}, the capital.",
                "In {city}, the capital, commuters waited an hour for buses.",
                "Roads into {city} were jammed as drivers left trains behind.",
            ),
            (
                "Transport minister {person2} urged both sides to return to talks.",
                "{person2}, the transport minister, called for mediation.",
                "The government, through minister {person2}, offered to host talks.",
            ),
            (
                "The chamber of commerce said the strike would cost businesses {cost} million.",
                "Business groups estimated losses of {cost} million for each day of the strike.",
                "Retailers near {city} station said takings had fallen sharply.",
            ),
            (
                "Only {running} trains out of every hundred ran.",
                "{org} said it ran {running} percent of its timetable.",
                "Freight services to the port of {city2} were also halted.",
            ),
        ),
    ),
    Topic(
        key="cupfinal",
        section="Sport",
        subject="the {country} Cup final",
        headlines=(
            "{club1} win the {country} Cup on penalties",
            "{person_last} the hero as {club1} end {wait}-year wait for cup",
            "{club2} beaten in shoot-out as {club1} lift {country} Cup",
            "Penalty saves give {club1} the {country} Cup",
        ),
        leads=(
            "{club1} won the {country} Cup for the first time in {wait} years, beating {club2} "
            "{pens} on penalties after a {score} draw.",
            "Goalkeeper {person} saved two spot kicks as {club1} beat {club2} in a shoot-out in "
            "the {country} Cup final on {day}.",
            "{club2} lost the {country} Cup final on penalties on {day} after leading twice "
            "against {club1}.",
        ),
        facts=(
            (
                "Goalkeeper {person} saved two penalties.",
                "{person_last} dived to his left twice to keep out {club2}'s kicks.",
                "The shoot-out was decided by two saves from {person}.",
            ),
            (
                "{club2} had led twice through their captain {person2}.",
                "{person2} scored both goals for {club2}.",
                "Captain {person2} twice put {club2} ahead.",
            ),
            (
                "The match finished {score} after extra time.",
                "It was {score} after 120 minutes.",
                "Neither side could break a {score} deadlock in extra time.",
            ),
            (
                "A crowd of {crowd} watched at the national stadium in {city}.",
                "{crowd} fans filled the stadium in {city}.",
                "The final in {city} was sold out, with {crowd} spectators.",
            ),
            (
                "It is {club1}'s first cup since {last_win}.",
                "{club1} last won the trophy in {last_win}.",
                "The club's previous cup win came in {last_win}.",
            ),
            (
                "Coach {person3} said the players deserved the title.",
                "{club1} coach {person3} called the win the best day of his career.",
                "{person3}, the coach, dedicated the win to the supporters.",
            ),
        ),
    ),
    Topic(
        key="fire",
        section="World",
        subject="the fire at the {org} plant in {city}",
        headlines=(
            "Fire at {org} chemical plant in {city} injures {injured}",
            "{city} residents evacuated after blaze at {org} factory",
            "Smoke plume over {city} as {org} plant burns",
            "Investigation opened into {org} factory fire",
        ),
        leads=(
            "A fire broke out at the {org} chemical plant in {city} on {day}, injuring "
            "{injured} workers and forcing the evacuation of {homes} homes.",
            "Firefighters battled a blaze at a chemical factory owned by {org} on the edge of "
            "{city} on {day}, as a black plume of smoke drifted over the town.",
            "About {homes} households in {city} were told to leave their homes on {day} after "
            "fire engulfed the {org} plant.",
        ),
        facts=(
            (
                "Fire chief {person} said the fire started in a storage hall for solvents.",
                "The blaze began in a warehouse of solvents, according to fire chief {person}.",
                "{person_last}, who leads the {city} fire service, said solvents caught fire "
                "first.",
            ),
            (
                "{injured} workers were taken to hospital, {serious} of them with serious burns.",
                "Of the {injured} injured, {serious} were in a serious condition.",
                "Hospitals in {city} treated {injured} people; {serious} had severe burns.",
            ),
            (
                "{crews} fire crews from across {region} were sent to the site.",
                "Crews from {crews} stations in {region} helped fight the fire.",
                "The regional authority of {region} sent {crews} engines.",
            ),
            (
                "Residents were told to keep windows closed.",
                "Authorities advised people in {city} to stay indoors and shut their windows.",
                "A warning to keep doors and windows shut stayed in force overnight.",
            ),
            (
                "{org} said it was cooperating with investigators.",
                "A spokesperson for {org}, {person2}, said the company would help the inquiry.",
                "{person2}, speaking for {org}, said all staff had been accounted for.",
            ),
            (
                "Prosecutors in {city} have opened an investigation.",
                "The state prosecutor opened an inquiry into the cause of the fire.",
                "An investigation will examine safety checks at the plant, prosecutors said.",
            ),
        ),
    ),
    Topic(
        key="election",
        section="Politics",
        subject="{person}'s election as mayor of {city}",
        headlines=(
            "{person} wins {city} mayoral election with {share} percent",
            "{city} elects {person_last} as mayor",
            "{person2} concedes as {person_last} takes {city} town hall",
            "Tram promise carries {person_last} to victory in {city}",
        ),
        leads=(
            "{person} won the mayoral election in {city} on {day} with {share} percent of the "
            "vote, defeating the incumbent {person2}.",
            "Voters in {city} chose {person} as their new mayor on {day}, ending {person2}'s "
            "eight years in office.",
            "{person2} conceded defeat in the {city} mayoral race late on {day} after "
            "{person_last} took {share} percent.",
        ),
        facts=(
            (
                "Turnout was {turnout} percent.",
                "{turnout} percent of registered voters took part.",
                "Election officials put turnout at {turnout} percent.",
            ),
            (
                "{person_last} campaigned on a new tram line to the {district} district.",
                "The winner promised to build a tram to {district} within four years.",
                "A tram line to {district} was the centre of {person_last}'s campaign.",
            ),
            (
                "{person2} received {other_share} percent.",
                "The incumbent, {person2}, won {other_share} percent.",
                "{person2} finished second with {other_share} percent of the vote.",
            ),
            (
                "{person_last} stood for the {party} party.",
                "The {party} party, which backed {person_last}, celebrated in {city}'s main "
                "square.",
                "It is the first time the {party} party has held the city.",
            ),
            (
                "The new mayor takes office in {month}.",
                "{person_last} will be sworn in in {month}.",
                "The handover at the town hall is set for {month}.",
            ),
        ),
    ),
    Topic(
        key="merger",
        section="Business",
        subject="{org}'s takeover of {org2}",
        headlines=(
            "{org} agrees to buy {org2} for {bn} billion",
            "{org2} shares jump on {bn} billion takeover by {org}",
            "{org} and {org2} to combine in {bn} billion deal",
            "Regulators to review {org} bid for {org2}",
        ),
        leads=(
            "{org} has agreed to buy its rival {org2} for {bn} billion, the companies said on "
            "{day}, creating the largest maker of {product} in {country}.",
            "Shares in {org2} jumped {jump} percent on {day} after {org} agreed to pay {bn} "
            "billion for the company.",
            "The {product} makers {org} and {org2} will merge in a {bn} billion deal announced "
            "on {day}.",
        ),
        facts=(
            (
                "Chief executive {person} said the deal would save {savings} million a year.",
                "{person_last}, who runs {org}, promised annual savings of {savings} million.",
                "{org} expects {savings} million in yearly savings, {person} said.",
            ),
            (
                "About {jobs} jobs could go, the {acr} union warned.",
                "The {acr} union said {jobs} jobs were at risk.",
                "Unions fear the loss of up to {jobs} jobs.",
            ),
            (
                "The competition authority of {country} will review the deal.",
                "Regulators in {country} said they would examine the merger.",
                "The deal needs approval from {country}'s competition watchdog.",
            ),
            (
                "{org2} shares rose {jump} percent.",
                "Investors sent {org2} stock up {jump} percent.",
                "The {org2} share price closed {jump} percent higher.",
            ),
            (
                "{org2} founder {person2} will join the board of the combined company.",
                "{person2}, who founded {org2}, backed the sale.",
                "The founder of {org2}, {person2}, called the offer fair.",
            ),
            (
                "The combined group will have its headquarters in {city}.",
                "The merged company will be based in {city}.",
                "Headquarters will move to {city}.",
            ),
        ),
    ),
    Topic(
        key="discovery",
        section="Science",
        subject="the discovery of {body}",
        headlines=(
            "Astronomers at {org} Observatory find {body}",
            "{body}: {city} telescope spots new world {ly} light years away",
            "{person_last}'s team discovers {body}",
            "New exoplanet {body} may hold water, {org} researchers say",
        ),
        leads=(
            "Astronomers at the {org} Observatory in {region} have discovered an exoplanet, "
            "{body}, orbiting a red dwarf {ly} light years from Earth.",
            "A team led by {person} at the {org} Observatory announced on {day} the discovery "
            "of {body}, a rocky planet about {ly} light years away.",
            "The telescope above {city} has found {body}, a world slightly larger than Earth, "
            "researchers said on {day}.",
        ),
        facts=(
            (
                "The planet is about {mass} times the mass of Earth.",
                "{body} has roughly {mass} Earth masses.",
                "Measurements put its mass at {mass} times Earth's.",
            ),
            (
                "It orbits its star every {orbit} days.",
                "A year on {body} lasts {orbit} days.",
                "The planet completes an orbit in {orbit} days.",
            ),
            (
                "Lead researcher {person} said it lies in the star's habitable zone.",
                "{person_last} said liquid water might exist on its surface.",
                "The team, led by {person}, said temperatures could allow liquid water.",
            ),
            (
                "The findings were published in the journal {journal}.",
                "The study appears in {journal}.",
                "{journal} published the results on {day}.",
            ),
            (
                "Astronomer {person2}, who was not involved, called the finding exciting.",
                "{person2}, an independent astronomer, urged caution until further observations.",
                "Other scientists, including {person2}, said the data were convincing.",
            ),
            (
                "The observatory's {mirror}-metre mirror made the detection possible.",
                "The {org} telescope, with a {mirror}-metre mirror, took {nights} nights of "
                "measurements.",
                "Observations over {nights} nights confirmed the signal.",
            ),
        ),
    ),
    Topic(
        key="court",
        section="World",
        subject="the verdict against {person}",
        headlines=(
            "Former minister {person} jailed for {years} years in {project} bribery case",
            "{city} court convicts {person_last} over {project} contracts",
            "{person_last} to appeal after bribery conviction",
            "Judge sentences ex-minister in {project} scandal",
        ),
        leads=(
            "A court in {city} on {day} sentenced former public works minister {person} to "
            "{years} years in prison for taking bribes over the {project} contracts.",
            "{person}, a former minister in {country}, was found guilty on {day} of accepting "
            "{bribe} million in bribes linked to the {project} project.",
            "Judges in {city} convicted ex-minister {person_last} of corruption on {day} in the "
            "{project} case.",
        ),
        facts=(
            (
                "Judge {person2} said the evidence of payments was overwhelming.",
                "Presiding judge {person2} called the bribery systematic.",
                "{person2}, the judge, said {person_last} had abused his office.",
            ),
            (
                "Prosecutors said {person_last} took {bribe} million from construction firms.",
                "The court found that {bribe} million had been paid into accounts abroad.",
                "{bribe} million in bribes were traced to companies bidding for the work.",
            ),
            (
                "His lawyer said they would appeal.",
                "Defence lawyer {person3} announced an appeal.",
                "{person3}, representing {person_last}, said the verdict would be challenged.",
            ),
            (
                "The {project} cost {cost} million more than planned.",
                "Overruns on {project} reached {cost} million.",
                "The project ran {cost} million over budget.",
            ),
            (
                "The court also convicted {codefendants} business executives.",
                "In all, {codefendants} executives of the firm {org} were convicted.",
                "Managers of {org} were among the {codefendants} others found guilty.",
            ),
        ),
    ),
    Topic(
        key="quake",
        section="World",
        subject="the earthquake in {region}",
        headlines=(
            "Magnitude {mag} earthquake strikes {region}, killing {dead}",
            "Rescuers search rubble in {city} after {mag} quake",
            "{region} earthquake: death toll rises to {dead}",
            "Aftershocks rattle {city} as quake survivors sleep outdoors",
        ),
        leads=(
            "A magnitude {mag} earthquake struck the province of {region} on {day}, killing at "
            "least {dead} people and injuring {injured}.",
            "Rescue teams in {city} pulled survivors from collapsed buildings on {day} after a "
            "{mag} earthquake shook {region}.",
            "At least {dead} people died when a strong earthquake hit {region} on {day}, the "
            "provincial governor said.",
        ),
        facts=(
            (
                "The epicentre was {depth} kilometres below the town of {city2}.",
                "Seismologists located the quake at a depth of {depth} kilometres near {city2}.",
                "The quake's centre lay near {city2}, {depth} kilometres underground.",
            ),
            (
                "Governor {person} declared a state of emergency.",
                "{person}, the governor of {region}, declared an emergency.",
                "A state of emergency was declared by governor {person_last}.",
            ),
            (
                "{injured} people were injured.",
                "Hospitals treated {injured} injured people.",
                "The number of injured stood at {injured}.",
            ),
            (
                "More than {aftershocks} aftershocks followed.",
                "{aftershocks} aftershocks shook the area overnight.",
                "Seismologists recorded {aftershocks} aftershocks.",
            ),
            (
                "About {homeless} people spent the night in tents.",
                "Some {homeless} residents were left homeless.",
                "Tent camps housed {homeless} people.",
            ),
            (
                "The {acr} relief agency sent {teams} rescue teams.",
                "{teams} rescue teams from the {acr} agency joined the search.",
                "Rescue coordinator {person2} said {teams} teams were working through the night.",
            ),
        ),
    ),
    Topic(
        key="outbreak",
        section="Health",
        subject="the {disease} outbreak in {region}",
        headlines=(
            "{region} confirms {cases} cases of {disease}",
            "Vaccination drive as {disease} spreads in {region}",
            "{disease} outbreak: {city} hospital under strain",
            "Health officials race to contain {disease} in {city}",
        ),
        leads=(
            "Health officials in {region} confirmed {cases} cases of {disease} on {day}, most "
            "of them in and around {city}.",
            "{region} will vaccinate {vaccinate} people against {disease} after {cases} cases "
            "were confirmed, the chief medical officer said on {day}.",
            "The {org} hospital in {city} opened an isolation ward on {day} as cases of "
            "{disease} rose to {cases}.",
        ),
        facts=(
            (
                "Chief medical officer {person} said the risk to the public was moderate.",
                "{person}, the region's chief medical officer, urged calm.",
                "{person_last}, the chief medical officer, said most patients were recovering.",
            ),
            (
                "{hospital} patients are being treated in hospital.",
                "{hospital} people were admitted to hospital.",
                "Doctors at the {org} hospital are caring for {hospital} patients.",
            ),
            (
                "A vaccination campaign for {vaccinate} people begins next week.",
                "{vaccinate} residents will be offered a vaccine.",
                "Vaccines for {vaccinate} people have been ordered.",
            ),
            (
                "The virus is carried by mosquitoes from the {river} wetlands.",
                "Mosquitoes breeding along the {river} spread the disease.",
                "Officials traced the outbreak to mosquitoes near the {river}.",
            ),
            (
                "Epidemiologist {person2} said cases might peak in {month}.",
                "{person2}, an epidemiologist, expects the outbreak to peak in {month}.",
                "According to {person2}, a peak is likely in {month}.",
            ),
        ),
    ),
    Topic(
        key="launch",
        section="Science",
        subject="the {rocket} launch",
        headlines=(
            "{org} launches {rocket} rocket with {sats} satellites",
            "{rocket} lifts off from {city} spaceport",
            "{country}'s {rocket} reaches orbit on {flight} flight",
            "{org} puts {sats} satellites into orbit from {city}",
        ),
        leads=(
            "The {org} space company launched its {rocket} rocket from the {city} spaceport on "
            "{day}, placing {sats} satellites into orbit.",
            "A {rocket} rocket lifted off from {city} on {day} carrying {sats} communications "
            "satellites for {org}.",
            "{country}'s space industry reached orbit on {day} when the {rocket} launcher, "
            "built by {org}, flew from {city}.",
        ),
        facts=(
            (
                "Mission director {person} said the second stage worked perfectly.",
                "{person}, the mission director, said every stage performed as planned.",
                "{person_last} said the second stage burned for {burn} seconds.",
            ),
            (
                "It was the rocket's {flight} flight.",
                "The {rocket} has now flown {flight_n} times.",
                "This was flight number {flight_n} for the {rocket}.",
            ),
            (
                "The launch cost about {money} million.",
                "Each launch costs {org} around {money} million.",
                "{org} put the price of the mission at {money} million.",
            ),
            (
                "The satellites will provide internet access in rural {region}.",
                "The {sats} satellites will bring broadband to {region}.",
                "Rural {region} is to get internet service from the new satellites.",
            ),
            (
                "Space agency head {person2} congratulated the team.",
                "{person2}, who heads the national space agency, called the launch historic.",
                "The space agency chief, {person2}, attended the launch.",
            ),
        ),
    ),
    Topic(
        key="wildfire",
        section="Environment",
        subject="the wildfire in {region}",
        headlines=(
            "Wildfire burns {hectares} hectares in {region}",
            "{city} evacuated as forest fire spreads",
            "{firefighters} firefighters battle {region} blaze",
            "Wind fans wildfire near {city}",
        ),
        leads=(
            "A wildfire has burned {hectares} hectares of forest in {region} since {day}, "
            "forcing the evacuation of villages around {city}.",
            "{firefighters} firefighters were battling a forest fire in {region} on {day} as "
            "strong winds pushed the flames towards {city}.",
            "Residents of {city} fled their homes on {day} as a wildfire in the {region} hills "
            "grew to {hectares} hectares.",
        ),
        facts=(
            (
                "Interior minister {person} said {evacuated} people had been evacuated.",
                "{evacuated} people left their homes, minister {person} said.",
                "{person}, the interior minister, put the number of evacuees at {evacuated}.",
            ),
            (
                "{planes} water-bombing planes joined the effort.",
                "The air force sent {planes} firefighting aircraft.",
                "{planes} aircraft dropped water on the flames.",
            ),
            (
                "Winds of {wind} kilometres an hour spread the fire.",
                "Gusts reached {wind} km/h.",
                "Forecasters expect winds of {wind} km/h to continue.",
            ),
            (
                "The fire started near the {river} valley.",
                "It began in dry scrub along the {river}.",
                "Investigators believe the fire started in the {river} valley.",
            ),
            (
                "Fire commander {person2} said the next two days would be decisive.",
                "{person2}, who commands the firefighters, said crews were exhausted.",
                "According to fire commander {person2}, the fire was not under control.",
            ),
        ),
    ),
    Topic(
        key="spill",
        section="Environment",
        subject="the {ship} oil spill",
        headlines=(
            "Tanker {ship} runs aground off {city}, spilling oil",
            "Oil from the {ship} reaches {city} beaches",
            "{tonnes} tonnes of oil leak from grounded tanker {ship}",
            "Clean-up begins after {ship} spill near {city}",
        ),
        leads=(
            "The tanker {ship} ran aground off {city} on {day}, spilling about {tonnes} tonnes "
            "of crude oil into the sea.",
            "Beaches near {city} were closed on {day} after oil leaked from the grounded "
            "tanker {ship}.",
            "Coast guard crews worked to contain an oil slick off {city} on {day} after the "
            "{ship} hit rocks.",
        ),
        facts=(
            (
                "Coast guard commander {person} said the slick was {km} kilometres long.",
                "{person} of the coast guard said the slick stretched {km} kilometres.",
                "The oil covered {km} kilometres of sea, commander {person_last} said.",
            ),
            (
                "The ship is owned by {org}.",
                "{org}, the shipping company that owns the {ship}, apologised.",
                "Owner {org} said it would pay for the clean-up.",
            ),
            (
                "The {crew} crew members were rescued.",
                "All {crew} sailors were taken off the ship.",
                "None of the {crew} crew were hurt.",
            ),
            (
                "Environment minister {person2} said seabird colonies were at risk.",
                "{person2}, the environment minister, warned of damage to seabird colonies.",
                "Birds on the {city2} cliffs are threatened, minister {person2} said.",
            ),
            (
                "{beaches} beaches were closed.",
                "Authorities shut {beaches} beaches along the coast.",
                "Swimming was banned on {beaches} beaches.",
            ),
        ),
    ),
    Topic(
        key="film",
        section="Culture",
        subject="the {city} film festival award for {film}",
        headlines=(
            '"{film}" wins Golden {animal} at {city} film festival',
            "{person_last}'s {film} takes top prize in {city}",
            "{city} festival jury honours {person_last}",
            '{person2} named best actress for "{film}"',
        ),
        leads=(
            'The film "{film}", directed by {person}, won the Golden {animal}, the top prize of '
            "the {city} film festival, on {day}.",
            "Director {person} took the main award at the {city} festival on {day} for "
            '"{film}", a drama set in {region}.',
            'The jury of the {city} film festival gave its Golden {animal} to "{film}" on {day}.',
        ),
        facts=(
            (
                '{person2} was named best actress for her role in "{film}".',
                "{person2} won the best actress award.",
                "The festival's acting prize went to {person2}.",
            ),
            (
                "The film runs {minutes} minutes.",
                "The {minutes}-minute drama follows a family in {region}.",
                '"{film}" lasts {minutes} minutes.',
            ),
            (
                "Jury president {person3} praised its restraint.",
                "{person3}, who led the jury, called the film brave.",
                "The jury under {person3} voted unanimously.",
            ),
            (
                "{entries} films competed this year.",
                "The festival showed {entries} films in competition.",
                "It beat {entries} other entries.",
            ),
            (
                "It is {person_last}'s {nth} feature film.",
                "{person_last} has made {nth_n} feature films.",
                "This is the {nth} feature by {person_last}.",
            ),
        ),
    ),
    Topic(
        key="bridge",
        subject="the collapse of the {river} bridge",
        headlines=(
            "Bridge over the {river} collapses in {city}",
            "{city} bridge collapse: engineers warned of corroded cables",
            "Motorists rescued after {river} bridge falls",
            "Inspection reports on {city} span to be published",
        ),
        leads=(
            "A {span}-metre section of the road bridge over the {river} in {city} collapsed on "
            "{day}, sending {vehicles} vehicles into the water.",
            "Divers searched the {river} on {day} after part of the {year_built} bridge in "
            "{city} gave way during the morning rush hour.",
            "The {river} crossing in {city}, built in {year_built}, fell into the river on "
            "{day}; {injured} people were hurt.",
        ),
        facts=(
            (
                "Engineers had warned in {warned} that the suspension cables were corroded.",
                "An inspection in {warned} found rust on the cables, documents show.",
                "Corrosion of the steel cables was reported to the city in {warned}.",
            ),
            (
                "Transport minister {person} ordered checks on every bridge of the same design.",
                "{person}, the transport minister, said {similar} similar bridges would be "
                "inspected.",
                "All {similar} bridges of that type will be closed for checks, {person_last} said.",
            ),
            (
                "{injured} people were injured and {vehicles} cars fell into the river.",
                "Rescuers pulled {rescued} drivers from the water.",
                "{rescued} motorists were rescued by boat crews.",
            ),
            (
                "The bridge carried about {traffic} vehicles a day.",
                "Some {traffic} cars and lorries crossed it daily.",
                "Traffic of {traffic} vehicles a day will be diverted through {city2}.",
            ),
            (
                "Structural engineer {person2} said the collapse had been preventable.",
                "{person2}, an engineer at the {acr} institute, blamed missed maintenance.",
                "Independent engineer {person2} called for a public inquiry.",
            ),
        ),
    ),
    Topic(
        key="landing",
        subject="the emergency landing of flight {flight_no}",
        headlines=(
            "Flight {flight_no} makes emergency landing in {city} after engine fire",
            "{airline} jet lands safely in {city} with engine ablaze",
            "Pilot praised after {airline} emergency landing",
            "{passengers} passengers evacuated on {city} runway",
        ),
        leads=(
            "An {airline} airliner with {passengers} passengers made an emergency landing in "
            "{city} on {day} after one of its engines caught fire shortly after take-off.",
            "Passengers slid down emergency chutes on the runway in {city} on {day} when "
            "{airline} flight {flight_no} returned with a burning engine.",
            "{airline} flight {flight_no} to {city2} turned back to {city} on {day} after its "
            "left engine failed.",
        ),
        facts=(
            (
                "Captain {person} shut down the engine and landed {after_minutes} minutes after "
                "take-off.",
                "The captain, {person}, was praised by passengers for a calm landing.",
                "{person_last}, the captain, had {hours} hours of flying experience.",
            ),
            (
                "{hurt} passengers were treated for minor injuries from the chutes.",
                "Paramedics treated {hurt} people for cuts and sprains.",
                "Nobody was seriously hurt; {hurt} had minor injuries.",
            ),
            (
                "The aviation safety board has opened an investigation.",
                "Air accident investigators led by {person2} have taken the flight recorders.",
                "{person2} of the air accident board said the engine would be examined.",
            ),
            (
                "The airport closed its main runway for {closed} hours.",
                "{cancelled} flights were cancelled while the runway was closed.",
                "The runway reopened after {closed} hours.",
            ),
            (
                "{airline} said the aircraft was {age} years old.",
                "The plane, {age} years old, had passed a check in {month}.",
                "The airline said the jet was serviced in {month}.",
            ),
        ),
    ),
    Topic(
        key="heist",
        section="Culture",
        subject="the theft at the {museum}",
        headlines=(
            "Thieves steal {paintings} paintings from the {museum}",
            "{painter} masterpieces taken in night raid on {city} museum",
            "{museum} heist: police release footage of suspects",
            "Insurers offer reward after {city} art theft",
        ),
        leads=(
            "Thieves broke into the {museum} in {city} early on {day} and escaped with "
            "{paintings} paintings by {painter}, valued at {value} million.",
            "Police in {city} are hunting a gang that stole {paintings} works by the painter "
            "{painter} from the {museum} on {day}.",
            "The {museum} in {city} stayed closed on {day} after a night-time raid in which "
            "{paintings} canvases were cut from their frames.",
        ),
        facts=(
            (
                "Curator {person} said the thieves knew exactly what they wanted.",
                "{person}, the museum's curator, called the loss devastating.",
                "The curator, {person_last}, said the alarm sounded at {clock} a.m.",
            ),
            (
                "The works are insured for {value} million.",
                "Insurers valued the stolen canvases at {value} million.",
                "The insurer {org} offered a reward of {reward},000 for information.",
            ),
            (
                "The gang entered through a skylight on the roof.",
                "Security cameras filmed {suspects} masked men climbing through a skylight.",
                "Police said {suspects} suspects had used a ladder and a rooftop window.",
            ),
            (
                "Detective inspector {person2} appealed for witnesses.",
                "{person2}, who leads the investigation, asked dealers to watch for the works.",
                "Police chief {person2} said the paintings would be impossible to sell openly.",
            ),
            (
                "{painter} painted the stolen works in the {decade}.",
                "The canvases date from {painter}'s years in {region} in the {decade}.",
                "Art historians regard the {decade} as {painter}'s finest period.",
            ),
        ),
    ),
    Topic(
        key="pensions",
        section="Politics",
        subject="the pension reform in {country}",
        headlines=(
            "Hundreds of thousands march against pension reform in {country}",
            "{country} raises retirement age to {age_new} despite protests",
            "Pension protest fills streets of {city}",
            "{person_last} refuses to withdraw pension bill",
        ),
        leads=(
            "About {marchers},000 people marched through {city} on {day} against a government "
            "plan to raise the retirement age in {country} from {age_old} to {age_new}.",
            "Prime minister {person} refused on {day} to withdraw a pension reform that would "
            "raise the retirement age to {age_new}, as protests spread across {country}.",
            "Trade unions in {country} brought {marchers},000 people onto the streets on "
            "{day} to oppose raising the pension age to {age_new}.",
        ),
        facts=(
            (
                "The reform raises the retirement age from {age_old} to {age_new} by {year}.",
                "By {year} workers would retire at {age_new} instead of {age_old}.",
                "The pension age would rise gradually to {age_new}.",
            ),
            (
                "Prime minister {person} said the pension system would otherwise run a deficit.",
                "{person_last} argued that the pension fund faces a gap of {gap} billion.",
                "Without the reform the pension fund would be {gap} billion short, "
                "{person_last} said.",
            ),
            (
                "Union leader {person2} called a general strike for next week.",
                "{person2}, who leads the {acr} union federation, promised more marches.",
                "The {acr} federation under {person2} said protests would continue.",
            ),
            (
                "Parliament votes on the bill in {month}.",
                "The bill goes to a parliamentary vote in {month}.",
                "Lawmakers are expected to vote in {month}.",
            ),
            (
                "Polls show {oppose} percent of voters oppose the reform.",
                "According to polls, {oppose} percent are against the change.",
                "{oppose} percent of people reject the plan, a survey found.",
            ),
        ),
    ),
    Topic(
        key="breach",
        section="Technology",
        subject="the data breach at {org}",
        headlines=(
            "Hackers steal data of {customers} million {org} customers",
            "{org} data breach exposes passwords and bank details",
            "{org} admits hackers were inside its network for weeks",
            "Ransom demand follows {org} cyber attack",
        ),
        leads=(
            "The telecoms company {org} said on {day} that hackers had stolen the personal "
            "data of about {customers} million customers.",
            "{org} told customers on {day} to change their passwords after a cyber attack "
            "exposed names, addresses and bank details.",
            "A criminal group calling itself {gang} has claimed responsibility for a breach "
            "at {org}, the company confirmed on {day}.",
        ),
        facts=(
            (
                "The attackers were inside the network for {weeks} weeks before being detected.",
                "{org} said the intrusion went unnoticed for {weeks} weeks.",
                "Investigators found the hackers had access for {weeks} weeks.",
            ),
            (
                "The group {gang} demanded a ransom of {ransom} million in cryptocurrency.",
                "{gang} asked for {ransom} million, the company said.",
                "{org} said it would not pay the {ransom} million ransom.",
            ),
            (
                "Chief executive {person} apologised to customers.",
                "{person}, the chief executive, said the company was deeply sorry.",
                "{person_last} promised free credit monitoring for affected customers.",
            ),
            (
                "The data protection regulator could fine the company up to {fine} million.",
                "Regulator {person2} said an inquiry had begun.",
                "{person2}, the data protection commissioner, opened an investigation.",
            ),
            (
                "Customers' passwords were stored without proper encryption.",
                "Security researcher {person3} said the passwords had been poorly protected.",
                "Encryption of stored passwords was weak, according to {person3}.",
            ),
        ),
    ),
    Topic(
        key="archaeology",
        section="Science",
        subject="the tomb found near {city}",
        headlines=(
            "Archaeologists find {century}th-century tomb near {city}",
            "Gold and {coins} coins found in {region} burial",
            "Ancient warrior's grave discovered under {city} car park",
            "Dig near {city} reveals {century}th-century chieftain's tomb",
        ),
        leads=(
            "Archaeologists excavating a car park in {city} have found a {century}th-century "
            "tomb containing a sword, gold jewellery and {coins} silver coins.",
            "A chieftain's grave dating from the {century}th century has been uncovered in "
            "{region}, the team announced on {day}.",
            "Builders in {city} stopped work after uncovering a stone burial chamber that "
            "archaeologists say is about {age_years} years old.",
        ),
        facts=(
            (
                "Lead archaeologist {person} called it the find of a lifetime.",
                "{person}, who leads the excavation, said the tomb was untouched.",
                "The dig's director, {person_last}, said the grave had never been robbed.",
            ),
            (
                "The tomb held {coins} silver coins and a gold brooch.",
                "Among the finds are {coins} coins minted in {city2}.",
                "Diggers recovered {coins} coins, a sword and a gold brooch.",
            ),
            (
                "Radiocarbon dating puts the burial about {age_years} years ago.",
                "Tests date the grave to around {age_years} years ago.",
                "The remains are about {age_years} years old.",
            ),
            (
                "The finds will go on display at the {region} museum in {month}.",
                "The museum in {city} plans an exhibition in {month}.",
                "Objects from the grave will be shown from {month}.",
            ),
            (
                "Historian {person2} said the coins show trade links with the south.",
                "{person2}, a historian, said the brooch was of foreign make.",
                "According to historian {person2}, the chieftain traded across the sea.",
            ),
        ),
    ),
    Topic(
        key="drought",
        section="Environment",
        subject="the water rationing in {city}",
        headlines=(
            "{city} rations water as reservoirs fall to {level} percent",
            "Drought forces hosepipe ban across {region}",
            "{city} households limited to {litres} litres a day",
            "Farmers in {region} warn of lost harvest as drought deepens",
        ),
        leads=(
            "Authorities in {city} began rationing tap water on {day} after reservoirs in "
            "{region} fell to {level} percent of capacity.",
            "A hosepipe ban came into force across {region} on {day} after the driest "
            "{period} since records began.",
            "Households in {city} will be limited to {litres} litres of water a day from "
            "{day}, the water utility {org} said.",
        ),
        facts=(
            (
                "The {river} reservoir is at {level} percent.",
                "Reservoir levels have fallen to {level} percent.",
                "Only {level} percent of the {river} reservoir's capacity remains.",
            ),
            (
                "{org} said water pressure would be cut at night.",
                "The utility {org} will lower pressure between midnight and 6 a.m.",
                "Night-time supply will be reduced, {org} said.",
            ),
            (
                "Rainfall has been {rain} percent below average.",
                "The region has had {rain} percent less rain than normal.",
                "Meteorologists measured {rain} percent below-average rainfall.",
            ),
            (
                "Farmers' leader {person} said wheat yields could halve.",
                "{person}, who heads the farmers' union, warned of ruined crops.",
                "Grain farmers stand to lose half their harvest, {person_last} said.",
            ),
            (
                "Environment official {person2} urged people to take shorter showers.",
                "{person2} of the environment agency asked residents to save water.",
                "Residents were asked by {person2} not to wash cars.",
            ),
        ),
    ),
    Topic(
        key="avalanche",
        section="World",
        subject="the avalanche on {mountain}",
        headlines=(
            "Avalanche on {mountain} buries {climbers} climbers",
            "Rescuers dig for survivors after {mountain} avalanche",
            "{survivors} climbers pulled alive from snow on {mountain}",
            "Helicopters search {mountain} slopes after snowslide",
        ),
        leads=(
            "An avalanche swept down the north face of {mountain} on {day}, burying {climbers} "
            "climbers near the summit ridge.",
            "Mountain rescue teams in {region} pulled {survivors} climbers alive from the snow "
            "on {day} after an avalanche on {mountain}.",
            "Rescue helicopters searched the slopes of {mountain}, above {city}, on {day} for "
            "climbers caught in an avalanche.",
        ),
        facts=(
            (
                "The avalanche struck at an altitude of {altitude} metres.",
                "The snow broke away at {altitude} metres.",
                "It began at about {altitude} metres, near the ridge.",
            ),
            (
                "Rescue chief {person} said {survivors} climbers had been found alive.",
                "{person}, head of mountain rescue, said {missing} were still missing.",
                "{missing} climbers remain missing, rescue chief {person_last} said.",
            ),
            (
                "The avalanche risk had been rated {risk} out of five.",
                "Forecasters had set the danger level at {risk} of five.",
                "Warnings had put the risk at level {risk}.",
            ),
            (
                "Mountain guide {person2} said fresh snow had loaded the slope.",
                "{person2}, a guide in {city}, said the slope was heavy with new snow.",
                "Guides, including {person2}, had advised against the climb.",
            ),
            (
                "Sniffer dogs and {rescuers} rescuers joined the search.",
                "{rescuers} rescuers with avalanche dogs worked through the night.",
                "The search involved {rescuers} people and {dogs} dogs.",
            ),
        ),
    ),
    Topic(
        key="zoo",
        section="Science",
        subject="the snow leopard cubs at {city} zoo",
        headlines=(
            "Rare snow leopard cubs born at {city} zoo",
            "{cubs} snow leopard cubs delight keepers in {city}",
            "{city} zoo names its new snow leopard cubs",
            "Endangered big cats breed at {city} zoo for first time",
        ),
        leads=(
            "{cubs} snow leopard cubs have been born at the {city} zoo, the first of the "
            "endangered cats ever bred there, keepers said on {day}.",
            "Keepers at {city} zoo announced on {day} the birth of {cubs} snow leopard cubs "
            "to a mother called {cat}.",
            "The {city} zoo celebrated on {day} after its female snow leopard, {cat}, gave "
            "birth to {cubs} cubs.",
        ),
        facts=(
            (
                "Head keeper {person} said mother and cubs were doing well.",
                "{person}, the head keeper, said the cubs were feeding well.",
                "The cubs weigh about {grams} grams each, head keeper {person_last} said.",
            ),
            (
                "The mother, {cat}, came from a zoo in {city2} in {arrived}.",
                "{cat} arrived from {city2} in {arrived}.",
                "The zoo brought {cat} from {city2} in {arrived} for its breeding programme.",
            ),
            (
                "Only about {wild} snow leopards are thought to live in the wild.",
                "Around {wild} snow leopards remain in the wild.",
                "Conservationists estimate {wild} wild snow leopards are left.",
            ),
            (
                "Visitors will be able to see the cubs from {month}.",
                "The cubs go on show in {month}.",
                "The enclosure opens to visitors in {month}.",
            ),
            (
                "Zoo director {person2} said the birth was a success for conservation.",
                "{person2}, the zoo's director, thanked the keepers.",
                "Director {person2} said the zoo would name the cubs after a public vote.",
            ),
        ),
    ),
    Topic(
        key="marathon",
        section="Sport",
        subject="{person}'s marathon record in {city}",
        headlines=(
            "{person} breaks {city} marathon course record",
            "{person_last} wins {city} marathon in {time}",
            "Record run by {person_last} in {city}",
            "{runners} runners finish {city} marathon as {person_last} sets new best",
        ),
        leads=(
            "{person} won the {city} marathon on {day} in {time}, breaking the course record "
            "by {seconds} seconds.",
            "Runner {person} from {country} set a course record at the {city} marathon on "
            "{day}, finishing in {time}.",
            "{runners} runners took part in the {city} marathon on {day}, which was won in a "
            "record {time} by {person}.",
        ),
        facts=(
            (
                "{person_last} broke away from the leading group at the {attack_km}th kilometre.",
                "The winner attacked at kilometre {attack_km}.",
                "{person_last} pulled clear with {left} kilometres left.",
            ),
            (
                "The previous record of {old_time} had stood since {record_year}.",
                "The old course best, {old_time}, was set in {record_year}.",
                "{person_last} beat the {record_year} record of {old_time}.",
            ),
            (
                "{person2} won the women's race in {women_time}.",
                "The women's race went to {person2} in {women_time}.",
                "In the women's race, {person2} finished first in {women_time}.",
            ),
            (
                "Temperatures of {temp} degrees helped fast times.",
                "Cool weather of {temp} degrees suited the runners.",
                "Runners enjoyed {temp} degrees and little wind.",
            ),
            (
                "{runners} runners finished the race.",
                "A record {runners} people crossed the finish line.",
                "Organisers counted {runners} finishers.",
            ),
        ),
    ),
    Topic(
        key="tennis",
        section="Sport",
        subject="{person}'s {city} Open title",
        headlines=(
            "{person} wins {city} Open in five sets",
            "{person_last} beats {person2_last} to claim first grand slam",
            "{city} Open final: {person_last} saves match points",
            "{person_last} lifts {city} Open trophy after {hours_long}-hour final",
        ),
        leads=(
            "{person} won the {city} Open on {day}, beating {person2} in a five-set final that "
            "lasted {hours_long} hours.",
            "{person} claimed a first grand slam title at the {city} Open on {day}, saving "
            "{match_points} match points against {person2}.",
            "{person2} lost the {city} Open final on {day} after holding {match_points} "
            "match points against {person}.",
        ),
        facts=(
            (
                "The final score was {tennis_score}.",
                "{person_last} won {tennis_score}.",
                "The match ended {tennis_score}.",
            ),
            (
                "{person_last} saved {match_points} match points in the fourth set.",
                "{person2_last} had {match_points} match points but could not take them.",
                "{match_points} match points came and went for {person2_last}.",
            ),
            (
                "The prize for the winner is {prize} million.",
                "{person_last} takes home {prize} million in prize money.",
                "The champion earns {prize} million.",
            ),
            (
                "{person_last} served {aces} aces.",
                "The winner hit {aces} aces in the final.",
                "{aces} aces helped {person_last} through the tiebreaks.",
            ),
            (
                "Coach {person3} said it was a dream come true.",
                "{person3}, the winner's coach, was in tears in the stands.",
                "{person_last} thanked coach {person3} in a courtside speech.",
            ),
        ),
    ),
    Topic(
        key="recall",
        section="Business",
        subject="the {carmaker} brake recall",
        headlines=(
            "{carmaker} recalls {cars},000 cars over brake fault",
            "Brake defect forces {carmaker} to call back {model} models",
            "{carmaker} shares fall after {model} recall",
            "Owners of {model} told to contact dealers over brakes",
        ),
        leads=(
            "The carmaker {carmaker} is recalling {cars},000 vehicles worldwide because a "
            "faulty brake hose can leak fluid, it said on {day}.",
            "{carmaker} told owners of its {model} on {day} to return their cars to dealers "
            "after finding a defect in the braking system.",
            "Shares in {carmaker} fell {drop} percent on {day} after the company announced a "
            "recall of {cars},000 {model} cars.",
        ),
        facts=(
            (
                "The fault affects {model} cars built between {from_year} and {to_year}.",
                "{model} models made from {from_year} to {to_year} are affected.",
                "Cars produced between {from_year} and {to_year} need a new brake hose.",
            ),
            (
                "{crashes} accidents may be linked to the defect.",
                "The company knows of {crashes} crashes possibly caused by the fault.",
                "Regulators are examining {crashes} accidents.",
            ),
            (
                "Chief executive {person} said repairs would take about an hour.",
                "{person}, the chief executive, said dealers would fix cars free of charge.",
                "{person_last} said the repair was free and quick.",
            ),
            (
                "The recall will cost about {cost} million.",
                "Analysts put the cost at {cost} million.",
                "{carmaker} set aside {cost} million for the repairs.",
            ),
            (
                "Shares closed {drop} percent lower.",
                "The share price fell {drop} percent.",
                "Investors sold, pushing the stock down {drop} percent.",
            ),
        ),
    ),
    Topic(
        key="ceasefire",
        section="World",
        subject="the {country}-{country2} ceasefire",
        headlines=(
            "{country} and {country2} agree ceasefire in border war",
            "Ceasefire along {country2} border holds overnight",
            "{country}-{country2} truce signed in {city}",
            "Prisoner exchange agreed as {country} and {country2} halt fighting",
        ),
        leads=(
            "{country} and {country2} agreed on {day} to a ceasefire along their disputed "
            "border after {months} months of fighting.",
            "Negotiators from {country} and {country2} signed a truce in {city} on {day}, "
            "ending clashes that have killed about {killed} soldiers.",
            "Guns fell silent along the {country}-{country2} frontier on {day} after both "
            "sides accepted a ceasefire brokered in {city}.",
        ),
        facts=(
            (
                "Mediator {person} said talks on the border line would begin in {month}.",
                "{person}, who brokered the deal, said the hard part was still ahead.",
                "The mediator, {person_last}, praised both delegations.",
            ),
            (
                "Both sides will exchange {prisoners} prisoners.",
                "The agreement includes an exchange of {prisoners} prisoners of war.",
                "{prisoners} prisoners are to be swapped within two weeks.",
            ),
            (
                "Fighting has killed about {killed} soldiers since it began.",
                "About {killed} soldiers have died in the conflict.",
                "The war has cost some {killed} soldiers' lives.",
            ),
            (
                "{observers} international observers will monitor the ceasefire.",
                "A mission of {observers} monitors will patrol the border.",
                "{observers} observers are due to arrive next week.",
            ),
            (
                "{country2}'s foreign minister {person2} called the deal fragile.",
                "{person2}, foreign minister of {country2}, warned violations would be met "
                "with force.",
                "Foreign minister {person2} said {country2} would respect the truce.",
            ),
        ),
    ),
    Topic(
        key="lottery",
        section="World",
        subject="the record lottery jackpot won in {city}",
        headlines=(
            "Record {jackpot} million lottery jackpot won in {city}",
            "Single ticket bought in {city} wins {jackpot} million",
            "{city} shop sold winning ticket for record jackpot",
            "Lottery winner from {city} yet to come forward",
        ),
        leads=(
            "A single ticket bought at a newsagent in {city} has won a record lottery jackpot "
            "of {jackpot} million, the national lottery said on {day}.",
            "Somebody in {city} is {jackpot} million richer after matching all six numbers in "
            "the draw on {day}.",
            "The national lottery said on {day} that the record jackpot of {jackpot} million "
            "had been won by a ticket sold in {city}.",
        ),
        facts=(
            (
                "The winning numbers were {numbers}.",
                "The numbers drawn were {numbers}.",
                "The ticket matched {numbers}.",
            ),
            (
                "Shop owner {person} said he hoped the winner was a regular customer.",
                "{person}, who runs the shop, will receive a bonus of {bonus},000.",
                "Newsagent {person_last} said the whole street was excited.",
            ),
            (
                "The jackpot had rolled over {rollovers} times.",
                "There had been no winner for {rollovers} draws.",
                "After {rollovers} rollovers the prize reached a record.",
            ),
            (
                "The winner has {claim_days} days to claim the prize.",
                "Lottery spokesperson {person2} urged players in {city} to check their tickets.",
                "{person2} of the national lottery said the winner had not yet called.",
            ),
        ),
    ),
    Topic(
        key="rent",
        section="Politics",
        subject="the rent cap law in {country}",
        headlines=(
            "{country} parliament passes rent cap law",
            "Rents frozen for {years_cap} years in {country}'s cities",
            "Landlords vow court fight over {country} rent cap",
            "Tenants celebrate as rent cap passes {votes_for}-{votes_against}",
        ),
        leads=(
            "The parliament of {country} voted {votes_for} to {votes_against} on {day} to "
            "freeze rents in its largest cities for {years_cap} years.",
            "Tenants in {city} and other cities in {country} will see their rents frozen "
            "under a law passed on {day}.",
            "Landlords' groups in {country} said on {day} they would challenge a new rent cap "
            "in the constitutional court.",
        ),
        facts=(
            (
                "Housing minister {person} said rents in {city} had risen {rise} percent in "
                "five years.",
                "{person}, the housing minister, cited a {rise} percent rent rise since {base}.",
                "Rents in {city} are up {rise} percent, minister {person_last} said.",
            ),
            (
                "The cap applies to about {flats},000 flats.",
                "{flats},000 rented homes are covered.",
                "Some {flats},000 households will benefit.",
            ),
            (
                "Landlords' association head {person2} said investment in housing would stop.",
                "{person2}, who speaks for landlords, called the law confiscation.",
                "The landlords' lobby, led by {person2}, will go to court.",
            ),
            (
                "Tenants' union leader {person3} welcomed the vote.",
                "{person3} of the tenants' union called it a historic day.",
                "Tenants, represented by {person3}, celebrated outside parliament.",
            ),
            (
                "The law takes effect in {month}.",
                "The freeze starts in {month}.",
                "Rents will be frozen from {month}.",
            ),
        ),
    ),
)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "September")
_JOURNALS = ("Astronomy Letters", "Stellar Review", "Planetary Journal", "Orbit Science")
_PARTIES = ("Green", "Civic", "Liberal", "Labour", "Harbour", "Progress", "Alliance")
_PRODUCTS = ("bicycles", "ferries", "heat pumps", "batteries", "tractors", "lifts", "tiles")
_ORDINALS = ("second", "third", "fourth", "fifth", "sixth")


def _slots(topic: Topic, names: Names, rng: random.Random) -> dict[str, str]:
    r = rng
    person, person_last = names.person()
    person2, _ = names.person()
    person3, _ = names.person()
    city, city2 = names.place(), names.place()
    country, region, river = names.land(), names.place(), names.place()
    org = names.surname() + r.choice((" Group", " Industries", " Holdings", ""))
    org2 = names.surname() + r.choice((" Works", " Systems", " & Sons", " AG"))
    votes_for = r.randint(21, 33)
    share = r.randint(41, 62)
    s = {
        "person": person,
        "person_last": person_last,
        "person2": person2,
        "person3": person3,
        "city": city,
        "city2": city2,
        "country": country,
        "region": region,
        "river": river,
        "org": org,
        "org2": org2,
        "acr": names.acronym(),
        "day": r.choice(WEEKDAYS),
        "month": r.choice(_MONTHS),
        "year": str(r.randint(2029, 2036)),
        "money": str(r.randrange(120, 990, 10)),
        "jobs": f"{r.randrange(300, 4000, 50):,}",
        # barrier
        "votes_for": str(votes_for),
        "votes_against": str(r.randint(8, votes_for - 5)),
        "n_boats": str(r.randint(40, 180)),
        "floods": r.choice(("three", "four", "five", "six")),
        # rates
        "rate": f"{r.randint(3, 7)}.{r.choice(('25', '5', '75'))}",
        "infl": f"{r.randint(4, 9)}.{r.randint(1, 9)}",
        "currency": f"{country} {r.choice(('krona', 'mark', 'florin', 'thaler'))}",
        "fx": f"0.{r.randint(3, 9)}",
        "households": f"{r.randrange(150, 900, 10)},000",
        # strike
        "hours": str(r.choice((24, 48, 72))),
        "lost": str(r.randint(8, 16)),
        "offer": str(r.randint(2, 5)),
        "cost": str(r.randrange(20, 300, 5)),
        "running": str(r.randint(5, 15)),
        # cup final
        "club1": f"{city} {r.choice(('United', 'Rovers', 'City', 'Wanderers'))}",
        "club2": f"{city2} {r.choice(('Athletic', 'Albion', 'FC', 'Town'))}",
        "wait": str(r.randint(12, 45)),
        "pens": r.choice(("5-4", "4-3", "6-5", "3-2")),
        "score": r.choice(("2-2", "1-1", "3-3", "0-0")),
        "crowd": f"{r.randint(28, 72)},{r.randint(100, 999)}",
        "last_win": str(r.randint(1975, 2012)),
        # fire
        "injured": str(r.randint(7, 40)),
        "serious": str(r.randint(2, 6)),
        "homes": str(r.randrange(200, 2500, 10)),
        "crews": str(r.randint(12, 60)),
        # election
        "share": str(share),
        "other_share": str(r.randint(25, 100 - share - 3)),
        "turnout": str(r.randint(38, 71)),
        "district": names.place(),
        "party": r.choice(_PARTIES),
        # merger
        "bn": f"{r.randint(1, 14)}.{r.randint(1, 9)}",
        "product": r.choice(_PRODUCTS),
        "jump": str(r.randint(12, 38)),
        "savings": str(r.randrange(40, 400, 5)),
        # discovery
        "body": f"{names.place()}-{r.randint(2, 9)}b",
        "ly": str(r.randint(20, 140)),
        "mass": f"{r.randint(1, 4)}.{r.randint(1, 9)}",
        "orbit": str(r.randint(6, 60)),
        "journal": r.choice(_JOURNALS),
        "mirror": f"{r.randint(2, 11)}.{r.randint(1, 9)}",
        "nights": str(r.randint(30, 190)),
        # court
        "years": str(r.randint(3, 12)),
        "project": f"{names.place()} {r.choice(('motorway', 'bypass', 'tunnel', 'ring road'))}",
        "bribe": f"{r.randint(1, 9)}.{r.randint(1, 9)}",
        "codefendants": r.choice(("two", "three", "four", "five")),
        # quake
        "mag": f"{r.randint(5, 7)}.{r.randint(1, 9)}",
        "dead": str(r.randint(9, 140)),
        "depth": str(r.randint(8, 40)),
        "aftershocks": str(r.randint(20, 90)),
        "homeless": f"{r.randint(2, 30)},000",
        "teams": str(r.randint(10, 70)),
        # outbreak
        "disease": f"{river} fever",
        "cases": str(r.randint(40, 600)),
        "vaccinate": f"{r.randint(20, 300)},000",
        "hospital": str(r.randint(12, 90)),
        # launch
        "rocket": f"{r.choice(_ANIMALS)}-{r.randint(2, 9)}",
        "sats": str(r.randint(4, 40)),
        "burn": str(r.randint(180, 420)),
        "flight": r.choice(_ORDINALS),
        "flight_n": str(r.randint(2, 6)),
        # wildfire
        "hectares": f"{r.randint(2, 40)},{r.randint(100, 999)}",
        "firefighters": f"{r.randint(1, 3)},{r.randint(100, 999)}",
        "evacuated": f"{r.randint(1, 9)},{r.randint(100, 999)}",
        "planes": str(r.randint(6, 24)),
        "wind": str(r.randint(50, 110)),
        # spill
        "ship": f"{r.choice(_ANIMALS)} {r.choice(('Star', 'Pride', 'Voyager', 'Spirit'))}",
        "tonnes": f"{r.randint(1, 9)},{r.randint(100, 999)}",
        "km": str(r.randint(4, 30)),
        "crew": str(r.randint(14, 28)),
        "beaches": str(r.randint(6, 30)),
        # film
        "film": f"The {r.choice(_THINGS)} of {names.place()}",
        "animal": r.choice(_ANIMALS),
        "minutes": str(r.randint(88, 170)),
        "entries": str(r.randint(14, 24)),
        "nth": r.choice(_ORDINALS),
        "nth_n": str(r.randint(2, 6)),
        # bridge
        "span": str(r.randint(40, 160)),
        "vehicles": str(r.randint(3, 14)),
        "year_built": str(r.randint(1958, 1989)),
        "warned": str(r.randint(2015, 2024)),
        "similar": str(r.randint(6, 40)),
        "rescued": str(r.randint(3, 12)),
        "traffic": f"{r.randint(12, 80)},000",
        # landing
        "flight_no": f"{names.acronym()[:2]}{r.randint(100, 999)}",
        "airline": f"{names.land()} Air",
        "passengers": str(r.randint(120, 310)),
        "after_minutes": str(r.randint(11, 40)),
        "hurt": str(r.randint(3, 19)),
        "closed": str(r.randint(2, 7)),
        "cancelled": str(r.randint(20, 90)),
        "age": str(r.randint(8, 24)),
        # heist
        "museum": f"{names.surname()} Museum",
        "paintings": r.choice(("three", "four", "five", "seven")),
        "painter": f"{r.choice(_FIRST)} {names.surname()}",
        "value": str(r.randrange(20, 200, 5)),
        "clock": str(r.randint(2, 5)),
        "reward": str(r.randrange(50, 500, 25)),
        "suspects": r.choice(("two", "three", "four")),
        "decade": f"{r.choice(('18', '19'))}{r.randint(1, 9)}0s",
        # pensions
        "marchers": str(r.randrange(80, 600, 10)),
        "age_old": str(r.randint(60, 63)),
        "age_new": str(r.randint(64, 67)),
        "gap": f"{r.randint(3, 30)}.{r.randint(1, 9)}",
        "oppose": str(r.randint(55, 78)),
        # breach
        "customers": f"{r.randint(1, 19)}.{r.randint(1, 9)}",
        "gang": f"{r.choice(_ANIMALS)}{r.choice(('Net', 'Byte', 'Lock', 'Shadow'))}",
        "weeks": str(r.randint(3, 14)),
        "ransom": str(r.randint(5, 60)),
        "fine": str(r.randrange(50, 900, 10)),
        # archaeology
        "century": str(r.randint(5, 11)),
        "coins": str(r.randint(40, 400)),
        "age_years": f"{r.randint(10, 15)}00",
        # drought
        "level": str(r.randint(11, 29)),
        "litres": str(r.randrange(80, 150, 10)),
        "rain": str(r.randint(40, 75)),
        "period": r.choice(("spring", "summer", "winter", "eighteen months")),
        # avalanche
        "mountain": f"Mount {names.place()}",
        "climbers": str(r.randint(6, 18)),
        "survivors": str(r.randint(2, 5)),
        "missing": str(r.randint(1, 4)),
        "altitude": f"{r.randint(3, 6)},{r.randint(100, 900)}",
        "risk": str(r.randint(3, 4)),
        "rescuers": str(r.randint(40, 200)),
        "dogs": str(r.randint(4, 16)),
        # zoo
        "cubs": r.choice(("two", "three", "four")),
        "cat": r.choice(("Irbis", "Suri", "Tashi", "Mila", "Nuri", "Kira")),
        "grams": str(r.randrange(400, 900, 10)),
        "arrived": str(r.randint(2018, 2024)),
        "wild": f"{r.randint(3, 7)},000",
        # marathon
        "time": f"2:0{r.randint(3, 9)}:{r.randint(10, 59)}",
        "seconds": str(r.randint(5, 80)),
        "attack_km": str(r.randint(28, 36)),
        "left": str(r.randint(6, 14)),
        "old_time": f"2:0{r.randint(6, 9)}:{r.randint(10, 59)}",
        "record_year": str(r.randint(2004, 2019)),
        "women_time": f"2:2{r.randint(0, 6)}:{r.randint(10, 59)}",
        "temp": str(r.randint(7, 14)),
        "runners": f"{r.randint(8, 45)},{r.randint(100, 999)}",
        # tennis
        "person2_last": person2.split()[-1],
        "hours_long": r.choice(("four", "five")),
        "match_points": r.choice(("two", "three", "four")),
        "tennis_score": r.choice(
            ("6-4 3-6 7-6 4-6 7-5", "3-6 6-3 6-7 7-6 6-4", "7-5 6-7 4-6 6-3 6-2")
        ),
        "prize": f"{r.randint(1, 4)}.{r.randint(1, 9)}",
        "aces": str(r.randint(12, 38)),
        # recall
        "carmaker": f"{names.surname()} Motors",
        "model": f"{r.choice(_ANIMALS)} {r.choice(('GT', 'S', 'Estate', 'X'))}",
        "cars": str(r.randint(60, 900)),
        "drop": f"{r.randint(2, 9)}.{r.randint(1, 9)}",
        "from_year": str(r.randint(2016, 2019)),
        "to_year": str(r.randint(2021, 2025)),
        "crashes": r.choice(("two", "three", "five", "seven")),
        # ceasefire
        "country2": names.land(),
        "months": str(r.randint(4, 30)),
        "killed": f"{r.randint(2, 40)},{r.randint(100, 999)}",
        "prisoners": str(r.randrange(100, 2000, 10)),
        "observers": str(r.randint(40, 400)),
        # lottery
        "jackpot": str(r.randint(90, 260)),
        "numbers": ", ".join(str(x) for x in sorted(r.sample(range(1, 60), 6))),
        "bonus": str(r.randint(5, 50)),
        "rollovers": str(r.randint(9, 30)),
        "claim_days": str(r.choice((90, 180))),
        # rent
        "years_cap": r.choice(("three", "five")),
        "rise": str(r.randint(30, 70)),
        "base": str(r.randint(2015, 2020)),
        "flats": str(r.randint(300, 1500)),
    }
    return s


@dataclass(frozen=True)
class Event:
    """One synthetic news event: a topic and its own names and numbers."""

    id: int
    topic: Topic
    slots: dict[str, str] = field(hash=False)

    @property
    def label(self) -> str:
        return self.topic.headlines[0].format(**self.slots)


def make_events(n: int, seed: int = 1) -> list[Event]:
    """``n`` distinct events, the topics taken in turn (so any two of one topic are far apart)."""
    rng = random.Random(f"feedfarm-events-{seed}")
    names = Names(rng)
    order = list(TOPICS)
    rng.shuffle(order)
    return [
        Event(i, topic, _slots(topic, names, rng))
        for i, topic in ((i, order[i % len(order)]) for i in range(n))
    ]


@dataclass(frozen=True)
class Written:
    """One article as an outlet wrote it."""

    title: str
    paragraphs: tuple[str, ...]
    kind: str  # "news" or "opinion"
    section: str
    author: str


# Opinion pieces: a columnist's frame around the event's own facts. The frames are shared by
# every event (as a columnist's habits are), so they are kept short next to the facts.
_OPINION_TITLES = (
    "What {subject} should teach us",
    "The truth about {subject}",
    "We are getting {subject} wrong",
    "After {subject}, who takes responsibility?",
    "{Subject} was a warning",
)
_OPINION_OPENERS = (
    "I have followed {subject} closely.",
    "Let us be honest about {subject}.",
    "Nobody should pretend that {subject} is simple.",
    "Much has been said about {subject}, most of it beside the point.",
    "The official account of {subject} leaves too much out.",
)
_OPINION_ARGUMENTS = (
    "Those in charge had every chance to see this coming.",
    "The people of {city} deserve straight answers.",
    "Too many decisions were taken behind closed doors.",
    "The warning signs were there for anyone willing to look.",
)
_OPINION_CLOSERS = (
    "We should demand a better debate about {subject}.",
    "I would urge everyone involved to listen before it is too late.",
    "If we fail to learn from {subject}, we will be back here soon.",
    "The lesson of {subject} is simple, and we keep ignoring it.",
)


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def write_article(event: Event, rng: random.Random, *, opinion: bool = False) -> Written:
    """One article about ``event`` in one of the topic's wordings (chosen with ``rng``)."""
    t, s = event.topic, event.slots
    author = f"{rng.choice(_FIRST)} {rng.choice(_SUR_HEAD)}{rng.choice(_SUR_TAIL)}"
    facts = list(t.facts)
    rng.shuffle(facts)
    sentences = [_cap(rng.choice(group).format(**s)) for group in facts]
    if opinion:
        subject = t.subject.format(**s)
        words = {"subject": subject, "Subject": _cap(subject), "city": s["city"]}
        title = "Opinion: " + rng.choice(_OPINION_TITLES).format(**words)
        paragraphs = (
            rng.choice(_OPINION_OPENERS).format(**words) + " " + " ".join(sentences[:2]),
            rng.choice(_OPINION_ARGUMENTS).format(**words) + " " + " ".join(sentences[2:4]),
            " ".join(sentences[4:]) + " " + rng.choice(_OPINION_CLOSERS).format(**words),
        )
        return Written(title, paragraphs, "opinion", "Opinion", author)
    title = _cap(rng.choice(t.headlines).format(**s))
    lead = _cap(rng.choice(t.leads).format(**s))
    keep = rng.randint(max(4, len(sentences) - 1), len(sentences))
    body = sentences[:keep]
    paragraphs = [lead]
    i = 0
    while i < len(body):
        size = rng.choice((1, 2, 2, 3))
        paragraphs.append(" ".join(body[i : i + size]))
        i += size
    return Written(title, tuple(paragraphs), "news", t.section, author)
