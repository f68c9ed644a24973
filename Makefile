# Shortcuts; scripts/demo and scripts/test are the real commands (they need no make).
.PHONY: demo test bench lock
demo:
	scripts/demo $(ARGS)
test:
	scripts/test $(ARGS)
bench:
	scripts/bootstrap.sh && .venv/bin/python -m bench
# Regenerate requirements.lock after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --extra dev --extra usb --extra sim --universal --python-version 3.11 \
	    --generate-hashes -o requirements.lock
