"""`/forget` in Slack: admins only, the result told privately, and the running bot never
cites the article again (real `newsbot serve`, real Bolt app, fake Slack)."""

from __future__ import annotations

import json

import pytest

from tests.bot.slack.botproc import ADMIN, ROOT, start_bot, stop_bot
from tests.bot.slack.fake_slack import slash_command
from ingest.article import make_article_id
from tests.bot.slack.test_slack_bot import SEED_QUESTION, SEED_TITLE, ask_by_mention
from tests.conftest import SERVER_URL

pytestmark = [
    pytest.mark.slack,
    pytest.mark.skipif(bool(SERVER_URL), reason="takes the seed out of the collection the server pass shares; "
                       "takedowns in server mode are tested by tests/ingest/test_forget.py"),
]


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded)
    yield bot
    stop_bot(bot)


def test_admin_forgets_and_the_running_bot_stops_citing(bot):
    fake = bot.fake
    _, _, answer = ask_by_mention(bot, "CF1", SEED_QUESTION)
    assert SEED_TITLE in json.dumps(answer.args["blocks"])
    seed_id = make_article_id(None, str(next((ROOT / "seeds").glob("*.txt"))))

    ack = fake.wait_ack(fake.send_envelope(
        "slash_commands", slash_command(fake, "/forget", f"{seed_id} legal", "UMALLORY", "CF1")))
    assert "only the bot's admins" in json.dumps(ack.payload)

    ack = fake.wait_ack(fake.send_envelope(
        "slash_commands", slash_command(fake, "/forget", f"{seed_id} legal request", ADMIN, "CF1")))
    assert "Forgetting" in json.dumps(ack.payload)
    said = fake.wait_for(lambda: [c for c in fake.calls_of("response_url") if "forgot" in c.args.get("text", "")],
                         60, "the takedown's result")
    assert SEED_TITLE in said[0].args["text"] and said[0].args["response_type"] == "ephemeral"

    _, _, after = ask_by_mention(bot, "CF2", SEED_QUESTION)
    assert SEED_TITLE not in json.dumps(after.args.get("blocks", [])) + after.args["text"]
