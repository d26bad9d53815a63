"""A fixture written by the team: five events, several outlets each, one story per event.

Event A (Marenholt flood barrier approved) has a paraphrase, a wire copy, a German and a
Spanish version. Event B is a look-alike on the same topic and day (a different city's
barrier rejected) that must stay apart from A.
"""

import json

WIRE_A = (
    "The city council of Marenholt approved a 420 million euro flood barrier for the Elde "
    "estuary on Thursday, ending two years of argument over how to protect the port from "
    "storm surges. Mayor Ilse Brandauer said the barrier would be built in three stages and "
    "finished by 2031. The vote passed 27 to 14. Harbour companies welcomed the decision, "
    "while fishing cooperatives said the construction would close the northern channel for "
    "at least two seasons and demanded compensation from the regional government."
)

ARTICLES = [
    # --- A: Marenholt approves its flood barrier -------------------------------------------
    dict(
        id="a1",
        source="Alpha Post",
        url="https://alphapost.example/news/marenholt-barrier",
        published="2026-11-19T09:00:00Z",
        story="A",
        title="Marenholt approves 420 million euro flood barrier after two-year fight",
        text=WIRE_A,
    ),
    dict(
        id="a2",
        source="Beta Daily",
        url="https://betadaily.example/world/elde-barrier-vote",
        published="2026-11-19T10:30:00Z",
        story="A",
        title="Port city votes for Elde estuary storm-surge wall",
        text="Councillors in the port city of Marenholt voted 27-14 on Thursday to build a "
        "storm-surge barrier across the Elde estuary at a cost of about 420 million "
        "euros. Supporters, led by mayor Ilse Brandauer, argued that the port had "
        "flooded three times in a decade. Opponents on the council said the cost "
        "estimate was too optimistic. Fishing groups warned that closing the northern "
        "channel during construction would ruin them unless the region pays "
        "compensation. Work is due to start next spring and end in 2031.",
    ),
    dict(
        id="a3",
        source="Delta Times",
        url="https://deltatimes.example/wire/2026/11/19/barrier",
        published="2026-11-19T11:00:00Z",
        story="A",
        title="Marenholt council backs flood barrier",
        text="(Wire) " + WIRE_A + " Copyright 2026 Wire Service.",
    ),
    dict(
        id="a4",
        source="Nordblatt",
        url="https://nordblatt.example/politik/sperrwerk-marenholt",
        published="2026-11-19T12:00:00Z",
        story="A",
        language="de",
        title="Marenholt beschließt Sperrwerk für 420 Millionen Euro",
        text="Der Stadtrat von Marenholt hat am Donnerstag den Bau eines Sperrwerks an der "
        "Elde-Mündung für 420 Millionen Euro beschlossen. Damit endet ein zweijähriger "
        "Streit darüber, wie der Hafen vor Sturmfluten geschützt werden soll. "
        "Bürgermeisterin Ilse Brandauer sagte, das Sperrwerk werde in drei Abschnitten "
        "gebaut und bis 2031 fertig. Die Abstimmung endete mit 27 zu 14 Stimmen. "
        "Fischereigenossenschaften fordern Entschädigung, weil die nördliche Fahrrinne "
        "während der Bauzeit gesperrt wird.",
    ),
    dict(
        id="a5",
        source="Diario Sur",
        url="https://diariosur.example/mundo/marenholt-dique",
        published="2026-11-19T13:00:00Z",
        story="A",
        language="es",
        title="Marenholt aprueba una barrera contra inundaciones de 420 millones de euros",
        text="El ayuntamiento de Marenholt aprobó el jueves la construcción de una barrera "
        "contra las mareas de tempestad en el estuario del Elde, con un coste de 420 "
        "millones de euros. La alcaldesa Ilse Brandauer afirmó que la obra se hará en "
        "tres fases y estará terminada en 2031. La votación terminó 27 a 14. Las "
        "cooperativas pesqueras exigen una compensación porque el canal norte estará "
        "cerrado durante las obras.",
    ),
    # --- B: look-alike: Castelbrook rejects its sea wall, same topic, same day -------------
    dict(
        id="b1",
        source="Alpha Post",
        url="https://alphapost.example/news/castelbrook-wall",
        published="2026-11-19T14:00:00Z",
        story="B",
        title="Castelbrook rejects sea wall plan as too costly",
        text="Castelbrook's council on Thursday rejected a proposed sea wall along the "
        "Harwick promenade, saying the 90 million pound cost would force cuts to "
        "schools and bus services. Council leader Tomasz Reedy said the town would "
        "instead restore salt marshes south of the pier and raise the height of the "
        "existing dunes. Residents of the seafront, where homes flooded in January, "
        "said they felt abandoned. The environment agency will review the marsh plan "
        "next month.",
    ),
    dict(
        id="b2",
        source="Echo Herald",
        url="https://echoherald.example/local/castelbrook-vote",
        published="2026-11-19T16:00:00Z",
        story="B",
        title="Seafront residents angry after Castelbrook votes down sea wall",
        text="Homeowners on the Harwick promenade in Castelbrook reacted with fury after "
        "councillors voted down a 90 million pound sea wall. Council leader Tomasz "
        "Reedy defended the decision, saying restoring the salt marshes south of the "
        "pier would protect the town more cheaply. One resident whose house flooded "
        "in January said the marsh plan would take a decade to work.",
    ),
    # --- C: Varland central bank raises rates ------------------------------------------------
    dict(
        id="c1",
        source="Beta Daily",
        url="https://betadaily.example/business/varland-rates",
        published="2026-11-19T08:00:00Z",
        story="C",
        title="Varland central bank raises interest rate to 5.25 percent",
        text="The Bank of Varland raised its main interest rate by a quarter point to 5.25 "
        "percent on Thursday, its third increase this year, as inflation stayed above "
        "6 percent. Governor Anneli Kask said food and energy prices were still "
        "rising faster than wages and that the bank was ready to act again in "
        "January. The Varland krona rose against the euro after the announcement.",
    ),
    dict(
        id="c2",
        source="Foxtrot Finance",
        url="https://foxtrotfinance.example/markets/kask-hike",
        published="2026-11-19T09:15:00Z",
        story="C",
        title="Kask signals more hikes as Bank of Varland lifts rates again",
        text="Anneli Kask, governor of the Bank of Varland, warned that borrowing costs may "
        "rise further after the bank lifted its key rate to 5.25 percent from 5 "
        "percent. Inflation of 6.3 percent in October was well above the 2 percent "
        "target, she said. Mortgage lenders said monthly repayments would rise for "
        "about 400,000 households. The krona strengthened by 0.8 percent.",
    ),
    dict(
        id="c3",
        source="Gamma Review",
        url="https://gammareview.example/opinion/varland-rates",
        published="2026-11-19T15:00:00Z",
        story="C",
        title="Opinion: The Bank of Varland is fighting the wrong inflation",
        text="Another quarter-point rate rise from the Bank of Varland will not bring down "
        "food and energy prices, which are set on world markets. Governor Anneli Kask "
        "should admit that raising the rate to 5.25 percent mostly punishes "
        "households with mortgages. I believe the government, not the central bank, "
        "must act on energy bills this winter.",
    ),
    # --- D: Ostrava rail strike ----------------------------------------------------------------
    dict(
        id="d1",
        source="Echo Herald",
        url="https://echoherald.example/world/rail-strike",
        published="2026-11-19T07:00:00Z",
        story="D",
        title="Rail workers in Norland begin 48-hour strike over pay",
        text="Train drivers and conductors across Norland walked out on Thursday at the "
        "start of a 48-hour strike over pay, cancelling nine in ten services. The "
        "union ROK says wages have fallen 12 percent behind inflation since 2023. The "
        "state operator Norbane said it had offered a 4 percent rise and called the "
        "strike irresponsible. Commuters in the capital Vessby queued for buses.",
    ),
    dict(
        id="d2",
        source="Alpha Post",
        url="https://alphapost.example/news/norbane-strike",
        published="2026-11-19T10:00:00Z",
        story="D",
        title="Norbane cancels most trains as drivers strike",
        text="Norland's state railway Norbane cancelled most of its trains on Thursday as "
        "members of the ROK union began a two-day strike. Norbane said its 4 percent "
        "pay offer was fair; the union said real wages had fallen by 12 percent. Bus "
        "queues stretched for blocks in Vessby, and the transport minister urged both "
        "sides to return to talks.",
    ),
    dict(
        id="d3",
        source="Foxtrot Finance",
        url="https://foxtrotfinance.example/economy/norland-rail",
        published="2026-11-19T12:30:00Z",
        story="D",
        title="Norland rail strike costs economy millions, business groups say",
        text="A 48-hour rail strike in Norland will cost businesses tens of millions, the "
        "chamber of commerce said on Thursday, as ROK union members stopped work over "
        "pay. Norbane, the state railway, ran one train in ten. The union says wages "
        "have lost 12 percent to inflation; Norbane offers 4 percent.",
    ),
    # --- E: cup final ---------------------------------------------------------------------------
    dict(
        id="e1",
        source="Beta Daily",
        url="https://betadaily.example/sport/cup-final",
        published="2026-11-19T21:30:00Z",
        story="E",
        title="Kestrel United win the Norland Cup on penalties",
        text="Kestrel United won the Norland Cup for the first time in 31 years, beating "
        "Vessby Athletic 5-4 on penalties after a 2-2 draw at the national stadium. "
        "Goalkeeper Mads Holm saved two spot kicks. Athletic had led twice through "
        "goals from their captain Jonas Brekke.",
    ),
    dict(
        id="e2",
        source="Echo Herald",
        url="https://echoherald.example/sport/kestrel-holm",
        published="2026-11-19T22:00:00Z",
        story="E",
        title="Holm the hero as Kestrel end 31-year wait for cup",
        text="Mads Holm saved twice in the shoot-out as Kestrel United beat Vessby Athletic "
        "on penalties in the Norland Cup final after the match finished 2-2. Jonas "
        "Brekke scored both goals for Athletic. It is Kestrel's first cup since 1995.",
    ),
]

# A comment on event B, in its writer's own words: the classifier reads its kind from the URL
# (an /opinion/ section). Kept out of ARTICLES, which other tests count.
COMMENT_B = dict(
    id="b3",
    source="Gamma Review",
    url="https://gammareview.example/opinion/castelbrook-marshes",
    published="2026-11-19T18:00:00Z",
    story="B",
    title="Opinion: Marshes will not save Castelbrook's seafront in time",
    text="Anyone who watched the water pour into homes along the promenade last winter knows "
    "that dunes and reeds are a slow answer to a fast problem. The councillors who voted down "
    "the wall have chosen to spare the budget and gamble with their neighbours' safety. I hope "
    "the environment agency's review forces them to think again before the next storm season.",
)


def write_labelled(path, english_only: bool = False):
    """ARTICLES in the cluster benchmarks' labelled format (``bench/cluster_quality.py
    --data``), each with its event as the label; events D and E a day later, so that a split
    on 2026-11-20 leaves A-C to tune on and D-E held out. ``english_only`` leaves out the
    German and Spanish reports. Returns ``path``."""
    with open(path, "w", encoding="utf-8") as fh:
        for a in ARTICLES:
            if english_only and a.get("language", "en") != "en":
                continue
            date = a["published"]
            if a["story"] in "DE":
                date = date.replace("2026-11-19", "2026-11-20")
            row = {k: a[k] for k in ("id", "url", "title", "text", "source")}
            fh.write(json.dumps({**row, "date": date, "label": a["story"]}) + "\n")
    return path
