# The ECS scheduled task: the ccm package and its console script, nothing else.
# Build: docker build -t ccm .      Run: docker run --rm ccm            (= ccm identity-center import --all)
#                                   Other commands: docker run --rm ccm ses topics describe --all
#                                                   docker run --rm ccm ses subscriptions apply --all
# The interpreter is infra/interpreters.py IMAGE; make deploy-image passes it.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --prefix=/install .

FROM python:${PYTHON_VERSION}-slim
RUN groupadd --system --gid 1001 ccm \
    && useradd --system --uid 1001 --gid ccm --home-dir /app --shell /usr/sbin/nologin ccm
COPY --from=build /install /usr/local
WORKDIR /app
COPY config.json SESConfig.json SubscriptionConfig.json /app/
# Tables are read in CloudWatch Logs, not a terminal: give them room instead of wrapping at 80 columns.
ENV CCM_CONFIG=/app/config.json \
    CCM_SES_CONFIG=/app/SESConfig.json \
    CCM_SUBSCRIPTION_CONFIG=/app/SubscriptionConfig.json \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COLUMNS=160
USER ccm:ccm
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 CMD ["ccm", "version"]
ENTRYPOINT ["ccm"]
CMD ["identity-center", "import", "--all"]
