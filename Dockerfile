# hanchot: one image for every process (worker, bot, web, notifier); the command chooses.
FROM python:3.11.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HANCHOT_DATA_DIR=/var/lib/hanchot

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/hanchot hanchot \
    && mkdir -p /var/lib/hanchot/evidence \
    && chown -R hanchot:hanchot /var/lib/hanchot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY deadlines deadlines
COPY config config
COPY store store
COPY activities activities
COPY notifier notifier
COPY workflows workflows
COPY web web
COPY hanchot hanchot
# Bytecode compiled here, not --no-compile: the workflow sandbox imports each workflow's
# module afresh for every workflow it starts, and without a .pyc (PYTHONDONTWRITEBYTECODE,
# a read-only /app) it compiles the source again every time (bench/fanout.py).
RUN pip install .

USER hanchot
VOLUME ["/var/lib/hanchot"]
ENTRYPOINT ["hanchot"]
CMD ["--help"]
