"""A small corpus for the digest and scope tests: several outlets reporting three events
over a few days, one story told by one outlet only, and a daily roundup of unrelated
stories (which must never be a story of its own)."""

from __future__ import annotations

import json
from pathlib import Path

AS_OF = "2025-03-14"

PORT = [
    ("https://www.reuters.com/world/rotterdam-port-strike-2025-03-12/", "Reuters", "2025-03-12",
     "Dockworkers strike shuts Rotterdam port, stranding hundreds of ships",
     "Dockworkers at the port of Rotterdam walked off the job on Wednesday, halting container traffic at "
     "Europe's largest port and leaving 212 ships waiting at anchor in the North Sea. The FNV union said the "
     "48-hour strike was called after talks on wages and automation broke down. Terminal operators said "
     "container handling had stopped completely at the Maasvlakte terminals. Shipping lines warned that "
     "cargo bound for Germany and Belgium would be delayed by several days."),
    ("https://www.bbc.co.uk/news/world-europe-rotterdam-strike", "BBC News", "2025-03-12",
     "Rotterdam port strike halts container traffic",
     "A strike by dockworkers has brought container traffic at the port of Rotterdam to a standstill. "
     "The FNV union called the 48-hour walkout after negotiations over pay and the automation of "
     "terminals collapsed. About 212 ships are waiting to enter Europe's busiest port, officials said. "
     "Retailers fear shortages of goods if the dispute drags on."),
    ("https://apnews.com/article/rotterdam-dockworkers-strike", "AP News", "2025-03-13",
     "Rotterdam dockworkers extend port strike as wage talks stall",
     "Dockworkers in Rotterdam extended their strike on Thursday, keeping Europe's largest port closed to "
     "container ships for a second day. The FNV union said the walkout over wages and automation would "
     "continue until employers returned to the table. Ships waiting at anchor off the Dutch coast numbered "
     "more than 212, port officials said."),
]
VOLCANO = [
    ("https://www.reuters.com/world/iceland-volcano-erupts-grindavik-2025-03-13/", "Reuters", "2025-03-13",
     "Volcano erupts near Grindavik in Iceland, town evacuated",
     "A volcano erupted on the Reykjanes peninsula in southwest Iceland on Thursday, sending lava fountains "
     "into the night sky near the fishing town of Grindavik. Authorities evacuated the town's residents and "
     "the Blue Lagoon spa as a precaution. The Icelandic Meteorological Office said the fissure was about "
     "three kilometres long. Flights at Keflavik airport were not affected."),
    ("https://www.bbc.co.uk/news/world-europe-iceland-eruption", "BBC News", "2025-03-13",
     "Iceland volcano: lava fountains near Grindavik after new eruption",
     "Lava is spewing from a three-kilometre fissure on Iceland's Reykjanes peninsula after a new volcanic "
     "eruption near Grindavik. The town was evacuated along with the nearby Blue Lagoon spa, the civil "
     "protection agency said. Keflavik airport remains open and flights are operating normally."),
]
LIBRARY = [
    ("https://www.localtimes.example/council-library-vote", "Local Times", "2025-03-11",
     "Council approves new central library on the riverside",
     "The city council voted 9 to 2 on Tuesday to build a new central library on the riverside site of the "
     "old bus depot. The building will cost 48 million dollars and open in 2028, with a children's wing and "
     "a makerspace. Opponents argued the money should go to branch libraries instead."),
]
ROUNDUP = ("https://www.cnn.com/2025/03/13/us/five-things-march-13/index.html", "CNN", "2025-03-13",
           "5 things to know for March 13",
           "\n\n".join([
               "Port strike: Dockworkers at the port of Rotterdam walked off the job in a 48-hour strike, "
               "halting container traffic at Europe's largest port. The FNV union called the strike after talks "
               "on wages and automation broke down, and 212 ships are waiting at anchor in the North Sea. "
               "Terminal operators said container handling had stopped at the Maasvlakte terminals, and "
               "shipping lines warned that cargo bound for Germany and Belgium would be delayed by several "
               "days. Economists say supply chains across Europe could feel the pinch within a week if no deal "
               "is reached, and retailers have begun warning customers about delays to deliveries.",
               "Basketball: The home team won its fifth straight game on Wednesday night behind 41 points from "
               "its star guard, who hit seven three-pointers in the second half. The coach praised the bench "
               "for its defence and said the team was finally healthy after a winter of injuries. The win "
               "moves them into third place in the conference standings with ten games left to play.",
               "Recipe of the week: A lemon and garlic roast chicken needs only an hour in the oven. Rub the "
               "bird with butter, salt and thyme, stuff it with halved lemons and a head of garlic, and roast "
               "it at 220 degrees until the skin is crisp and golden. Let it rest for fifteen minutes before "
               "carving and serve it with the pan juices and a green salad.",
               "Markets: Stocks rose on Wall Street as chipmakers rallied after strong quarterly earnings. The "
               "Nasdaq gained 1.8 percent while Treasury yields slipped and the dollar weakened against the "
               "yen. Oil prices were little changed as traders waited for the weekly inventory report.",
               "Weather: A late winter storm will bring heavy snow to the northern Rockies over the weekend, "
               "with up to two feet expected in the mountains. Forecasters urged drivers to avoid mountain "
               "passes and said temperatures would drop well below freezing by Sunday night.",
           ]))
# Outside the window the digest tests ask for (published a month earlier).
OLD = [("https://www.reuters.com/world/old-story-2025-02-10/", "Reuters", "2025-02-10",
        "Ferry service resumes after winter break",
        "The island ferry service resumed on Monday after its annual winter break, the operator said. "
        "Timetables are unchanged from last summer and tickets can be bought on board.")]

ALL = PORT + VOLCANO + LIBRARY + [ROUNDUP] + OLD
# A daily newsletter: short, one chunk each, the same title but for the date on two days
# (cohesion cannot tell it strings stories together; its recurring title does).
SERIES = [
    ("https://www.theweek.example/ten-things-12-march", "The Week", "2025-03-12",
     "Ten Things You Need to Know Today: 12 March 2025 | The Week",
     "Rotterdam dockworkers strike over wages and automation. Council backs riverside library plan. "
     "Chipmakers lift stocks. Snow storm heads for the Rockies."),
    ("https://www.theweek.example/ten-things-13-march", "The Week", "2025-03-13",
     "Ten Things You Need to Know Today: 13 March 2025 | The Week",
     "Volcano erupts near Grindavik in Iceland. Rotterdam strike extended. Basketball team wins fifth "
     "straight game. Lemon chicken recipe of the week."),
]


def write_corpus(folder: Path, records: list[tuple] = ALL) -> Path:
    """The corpus as one JSONL file of records (url, source, published, title, text)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digest-corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for url, source, published, title, text in records:
            out.write(json.dumps({"url": url, "source": source, "published": published,
                                  "title": title, "text": text}) + "\n")
    return path


def ingested_corpus(base: Path) -> Path:
    """The corpus ingested in-process (no CLI start-up) into `base / "data"`; the data dir."""
    from ingest.run import ingest_sources
    from tests.conftest import make_settings

    report = ingest_sources(make_settings(base / "data"), [write_corpus(base / "src")])
    assert report.added == len(ALL) and not report.skipped
    return base / "data"
