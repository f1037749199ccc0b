"""The Slack front end: a Bolt app over the same `AnswerEngine` the CLI uses.

`serve.serve()` starts it (Socket Mode or HTTP); `listeners/` holds one file per Slack
event, command or action, in the layout of Slack's bolt-python samples.
"""
