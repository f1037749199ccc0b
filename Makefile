# The two commands a fresh machine needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
QUESTION ?= How much money in waivers have Mexican programs received?

.PHONY: demo test install models clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, the CPU build on this machine's disk, so nothing pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

models: $(STAMP)
	$(BIN)/newsbot models pull
	$(BIN)/newsbot models export-onnx

demo: $(STAMP) models
	$(BIN)/newsbot ingest seeds
	$(BIN)/newsbot ask "$(QUESTION)"

# Two passes: everything on the embedded store, then the store/ingest/answer/Slack
# integration tests again against a `chroma run` server on loopback.
SERVER_TESTS := tests/bot/test_cli_ask.py tests/index/test_retrieval.py tests/index/test_roundups.py tests/index/test_server_mode.py tests/ingest/test_ingest_index.py tests/bot/slack/test_slack_bot.py \
	tests/index/test_onnx_embedding.py::test_collection_refuses_other_backend_and_names_the_reembed_command \
	tests/ingest/test_forget.py tests/security/test_ingest_bad_records.py tests/security/test_ingest_identity.py \
	tests/security/test_redaction.py tests/security/test_cli_errors.py tests/security/test_channel_scope.py \
	tests/bot/test_scope.py tests/index/test_incremental_keyword.py tests/security/test_streamed_sentences_checked.py \
	tests/index/test_retrieval_pool.py::test_article_list_is_as_long_as_asked tests/bot/test_watch_store.py tests/bot/test_watch.py \
	tests/bot/test_watch_leader.py tests/bot/slack/test_slack_watch.py

test: $(STAMP)
	$(BIN)/newsbot models pull smollm2-135m
	$(BIN)/newsbot models export-onnx
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q
	tests/with_chroma_server.sh $(BIN)/python -m pytest -q $(SERVER_TESTS)

clean:
	rm -rf .newsbot $(VENV)
