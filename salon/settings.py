"""One Settings object, read from SALON_* environment variables and an optional .env file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SALON_", env_file=".env", extra="ignore")

    env: str = Field("dev", description="dev, test or production")
    data_dir: Path = Path("./data")
    database_url: str = ""  # empty: SQLite file inside data_dir; or postgresql://user@host/db
    db_pool_size: int = 10  # connections kept per process (PostgreSQL); 0: no pool
    db_max_overflow: int = 10  # extra connections under bursts
    db_pool_timeout: float = 5.0  # seconds to wait for a free connection before failing
    db_statement_timeout: float = 15.0  # seconds a statement may run (PostgreSQL)
    # Redis (scale-out): home timelines as sorted sets and live events over pub/sub, shared
    # by every server and worker process. Empty: both stay in the database / in-process.
    redis_url: str = ""
    redis_prefix: str = "salon:"  # key and channel prefix, so instances can share a Redis
    redis_timeout: float = 2.0  # seconds per Redis command before failing fast
    # Media bytes. Empty: files under data_dir/media, served by the app at /media. Or
    # s3://bucket/prefix: an S3-compatible object store, shared by every process (scale-out).
    media_url: str = ""
    # Where browsers fetch media: the bucket's root (object keys, prefix included, are
    # appended) or, for the local folder, its base (default /media). Empty: the endpoint's
    # path-style bucket address, or AWS's virtual-host one.
    media_public_url: str = ""
    s3_endpoint: str = ""  # e.g. http://minio:9000; empty: AWS S3 for s3_region
    s3_region: str = "us-east-1"
    s3_access_key: str = ""  # empty: boto3's own chain (AWS_* variables, instance roles)
    s3_secret_key: str = ""
    s3_timeout: float = 30.0  # seconds to wait for the store's answer (connecting: 5 at most)
    # How long a signed address of a private picture (not under public/) works on S3.
    media_signed_url_seconds: int = 3600
    secret_key: str = DEV_SECRET
    # The public address links are made with. Unset: `salon serve` uses the address it listens
    # on (served_url); other processes (a separate `salon worker`) this default.
    base_url: str = "http://127.0.0.1:8000"
    instance_name: str = "Salon"
    # The server's rules, one per line (/api/v1/instance/rules, shown to apps at sign-up),
    # and a longer description in paragraphs split by blank lines, as plain text.
    rules: str = ""
    extended_description: str = ""
    privacy_policy: str = ""  # plain text as the description; empty: a short default
    registrations_open: bool = True
    registrations_approval: bool = False  # new accounts wait for a moderator's approval
    oauth_password_grant: bool = False  # the OAuth password grant; off, as on Mastodon
    # OAuth clients known by the https URL of their metadata document (Client ID Metadata
    # Documents, as MCP clients use): fetched from public addresses only, unless the second
    # is set (tests and development; the server then fetches whatever address is named).
    client_documents: bool = True
    client_documents_allow_private: bool = False
    # The licence `salon dataset export` writes in its dataset card (a Hugging Face licence
    # id such as cc-by-4.0); "other" until the operator decides what people agreed to.
    dataset_license: str = "other"
    embedded_worker: bool = True  # run the job worker inside `salon serve`
    worker_poll_seconds: float = 0.5
    # Jobs one worker process runs at once: fan-out and notifications wait on the database,
    # so a few overlap well; image generation runs in threads off the event loop.
    worker_concurrency: int = Field(4, ge=1, le=64)
    job_lease_seconds: float = 60.0

    # Limits people meet.
    max_post_chars: int = 500
    max_media_per_post: int = 4
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    home_timeline_size: int = 800
    # Requests one server process runs at once (0: no limit); the rest wait their turn, so
    # under load each finishes in about its own time (salon/web/admission.py).
    max_active_requests: int = Field(4, ge=0)
    # Request bodies are read before a request is admitted (salon/web/bodies.py): at most
    # this many bytes (routes that take files: their files plus 1 MiB), within
    # body_timeout seconds, and more for a large body sent at body_min_rate bytes/s at least.
    max_body_bytes: int = Field(1024 * 1024, gt=0)
    body_timeout: float = Field(30.0, gt=0)
    body_min_rate: float = Field(20_000.0, gt=0)
    # Open connections (streams included) and requests one server process holds; past it,
    # new ones are answered 503 at once (0: no limit).
    max_connections: int = Field(2000, ge=0)
    # Rendered statuses (and accounts) each server process keeps for the API's timelines,
    # checked against their rows on every read: memory, not correctness (about 2 KB each).
    status_cache_size: int = Field(20_000, ge=0)
    fanout_follower_limit: int = 10_000  # above this, posts are merged at read time
    poll_min_seconds: int = 300
    poll_max_seconds: int = 30 * 24 * 3600
    # Live streams one server process holds open per client address and per access token,
    # and streams one WebSocket may subscribe to; past them: 429, or a policy-violation close.
    streaming_per_address: int = Field(20, ge=1)
    streaming_per_token: int = Field(10, ge=1)
    streaming_subscriptions: int = Field(50, ge=1)
    # A comment line sent on an idle server-sent-events stream: keeps proxies from closing
    # it, and lets the server notice a client that has gone.
    streaming_heartbeat_seconds: float = Field(15.0, gt=0, le=300)

    # Imagine: image generation.
    engines: str = "sketch"  # comma-separated engines people may pick
    default_engine: str = "sketch"
    # The diffusers engine (pip install "salon[diffusers]"): a pipeline folder saved by
    # diffusers (model_index.json inside), or a hub id where downloads are allowed.
    diffusers_model: str = ""
    diffusers_allow_download: bool = False  # nothing downloads at run time unless this is on
    diffusers_device: str = "auto"  # auto (cuda, then mps, then cpu), cuda, cuda:1, mps, cpu
    diffusers_dtype: str = "auto"  # auto (bf16 for FLUX, fp16 on GPU, fp32 on CPU), or one
    diffusers_steps: int = Field(0, ge=0, le=150)  # 0: the model family's usual number
    diffusers_guidance: float = Field(-1.0, le=30.0)  # below 0: the family's usual value
    diffusers_compile: bool = False  # torch.compile the denoiser (slow first image, then fast)
    diffusers_preview_vae: str = ""  # a tiny autoencoder (TAESD) folder for live previews
    diffusers_max_batch: int = Field(4, ge=1, le=16)  # candidates denoised together
    diffusers_gpu_memory_fraction: float = Field(0.9, gt=0.0, le=1.0)  # of the GPU's memory
    diffusers_offload: str = "none"  # none, model (whole models to CPU between uses)
    # The openai engine: any server speaking OpenAI's Images API.
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str = ""
    openai_model: str = ""  # required with the openai engine; models come and go
    openai_label: str = ""  # shown in the composer; empty: the model's name
    openai_sizes: str = "1:1=1024x1024,3:2=1536x1024,2:3=1024x1536"  # aspect=WxH the model takes
    openai_quality: str = ""  # empty: the server's default (auto); low, medium, high, ...
    openai_output_format: str = ""  # empty: the server's default; png, jpeg or webp
    openai_background: str = ""  # empty: the server's default; transparent, opaque, auto
    openai_moderation: str = ""  # empty: the server's default; low, auto
    openai_partial_images: int = Field(2, ge=0, le=3)  # streamed previews; 0: no streaming
    openai_timeout: float = Field(120.0, gt=0)  # seconds per request
    openai_retries: int = Field(3, ge=0, le=10)  # more tries on 429 and 5xx, with backoff
    openai_max_count: int = Field(4, ge=1, le=4)  # candidates per request (the composer shows 4)
    openai_cost_per_image: float = Field(0.0, ge=0)  # USD, when the server reports no tokens
    openai_cost_per_m_input: float = Field(0.0, ge=0)  # USD per million input tokens
    openai_cost_per_m_output: float = Field(0.0, ge=0)  # USD per million output tokens
    generation_daily_quota: int = 200  # images per account per rolling 24 hours
    generation_keep_hours: float = 24.0  # candidates not posted are removed after this
    prompt_blocklist: str = ""  # comma-separated words or phrases refused in prompts
    prompt_blocklist_file: Path | None = None  # one word or phrase per line
    # The assistant (salon/assistant): an account people mention in a thread, which answers
    # and draws. Made by `salon migrate`; off: mentions of it are plain mentions.
    assistant_enabled: bool = True
    assistant_name: str = "muse"  # its username; renaming it renames the account
    assistant_engine: str = "builtin"  # builtin, openai or transformers (its text engine)
    assistant_image_engine: str = ""  # what it draws with; empty: SALON_DEFAULT_ENGINE
    assistant_daily_answers: int = Field(50, ge=0)  # answers per person per rolling 24 h
    assistant_thread_hourly: int = Field(10, ge=1)  # its replies per thread per hour
    assistant_max_replies: int = Field(40, ge=0)  # replies of the thread it reads at most
    # The openai text engine: any server speaking OpenAI's Chat Completions API (OpenAI,
    # vLLM, llama.cpp's server, Ollama's /v1).
    assistant_openai_base_url: str = "https://api.openai.com/v1"
    assistant_openai_api_key: str = ""
    assistant_openai_model: str = ""  # required with the openai text engine
    assistant_openai_images: bool = False  # send the thread's pictures (vision models)
    assistant_openai_timeout: float = Field(60.0, gt=0)  # seconds per request
    assistant_openai_retries: int = Field(3, ge=0, le=10)  # more tries on 429 and 5xx
    assistant_openai_max_tokens: int = Field(400, ge=16)
    assistant_openai_cost_per_m_input: float = Field(0.0, ge=0)  # USD per million tokens
    assistant_openai_cost_per_m_output: float = Field(0.0, ge=0)
    # The transformers text engine (pip install "salon[diffusers]"): a chat model saved by
    # transformers in a local folder (config, weights, tokenizer with a chat template).
    assistant_transformers_model: str = ""
    assistant_transformers_device: str = "auto"  # auto (cuda, then cpu), cuda, cpu
    assistant_transformers_max_new_tokens: int = Field(200, ge=1, le=4096)

    # Meaning (salon/meaning): sentence embeddings for search by meaning, For You and feeds
    # from a sentence. minilm: all-MiniLM-L6-v2 as int8 ONNX, shipped in a package; onnx: a
    # local folder holding model.onnx and tokenizer.json; openai: any server speaking
    # OpenAI's embeddings API (/v1/embeddings); off: words only, For You without meaning.
    embeddings: str = "minilm"
    embeddings_folder: Path | None = None  # the onnx folder
    embeddings_sha256: str = ""  # the folder's model.onnx must have this digest (if set)
    embeddings_openai_base_url: str = "https://api.openai.com/v1"
    embeddings_openai_api_key: str = ""
    embeddings_openai_model: str = "text-embedding-3-small"
    embeddings_openai_dimensions: int = Field(0, ge=0)  # 0: the model's own
    embeddings_openai_timeout: float = Field(30.0, gt=0)
    embeddings_batch: int = Field(32, ge=1, le=512)  # texts per model call
    # onnxruntime threads per model call. One: the embedded worker shares the server's
    # process and cores, and answering requests comes first. A dedicated `salon worker`
    # host may give more (0: every core).
    embeddings_threads: int = Field(1, ge=0, le=64)
    # Search by meaning (salon/meaning/search.py, docs/search.md): how many posts each
    # ranking (words, meaning) brings to the fusion, and how similar a post must be to the
    # query (cosine) to count as found by meaning at all.
    search_pool: int = Field(100, ge=10, le=1000)
    search_min_similarity: float = Field(0.25, ge=-1, le=1)
    # For You (salon/feeds): the weights of predicted engagements, from the heavy ranker
    # weights X published (the-algorithm-ml, 2023), and the pipeline's other knobs.
    for_you_weight_like: float = 0.5
    for_you_weight_repost: float = 1.0
    for_you_weight_reply: float = 13.5
    for_you_weight_profile_click: float = 12.0
    for_you_weight_remix: float = 11.0  # X's good click: opening the recipe and remixing
    for_you_weight_negative: float = -74.0  # "show less", "not interested"
    for_you_weight_report: float = -369.0
    for_you_out_of_network: float = Field(0.75, ge=0, le=1)  # X's out-of-network factor
    for_you_author_decay: float = Field(0.5, gt=0, le=1)  # per repeat of an author on a page
    for_you_author_floor: float = Field(0.25, ge=0, le=1)
    for_you_new_voice: float = Field(1.2, ge=1)  # boost for accounts new here
    for_you_window_hours: float = Field(72.0, gt=0)  # candidates no older than this
    for_you_candidates: int = Field(600, ge=20, le=5000)  # scored per ranking
    for_you_page_size: int = Field(200, ge=20, le=1000)  # ranked and kept per ranking
    # Seconds a process reuses the sources that are the same for everyone (trending and
    # popular posts): sorting a big window by engagement for each reader costs too much.
    for_you_shared_seconds: float = Field(60.0, ge=0)

    # Content credentials (C2PA): a PEM chain (signing certificate first) and its private key.
    # Unset: a development CA and certificate are created in data_dir/c2pa on first use.
    c2pa_cert_chain: Path | None = None
    c2pa_private_key: Path | None = None
    c2pa_trust_anchors: Path | None = None  # PEM roots `salon verify` trusts (default: dev CA)

    # Web Push (salon/push): the instance's VAPID key pair, URL-safe base64 raw keys. Unset:
    # made on first run in data_dir/vapid_private_key (give every host the same key when
    # processes do not share a data folder). The public key, if given, must match.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = ""  # mailto: or https: contact sent to push services; empty: base_url
    # Push endpoints on private, loopback or link-local addresses, and plain http: off, as the
    # server POSTs to whatever address a subscriber names (SSRF). On only for tests and dev.
    push_allow_private: bool = False
    push_timeout: float = Field(10.0, gt=0, le=60)  # seconds per delivery (connect: 5 at most)

    # Abuse limits: attempts per window per client address.
    login_attempts_per_minute: int = 10
    signups_per_hour: int = 10
    # Failed sign-ins per account in a sliding window, whatever address they come from: slows
    # a password guess spread over many addresses, and lapses on its own (no lock-out).
    login_failures_per_account: int = 10
    login_failure_window: int = 900  # seconds
    # Proxies whose X-Forwarded-For / Forwarded / X-Real-IP name the client (comma-separated
    # addresses or CIDRs). Empty: the peer is the client, and those headers are ignored.
    trusted_proxies: str = ""

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SALON_SECRET_KEY must be set to a long random value in production")
        return self

    @cached_property
    def db_url(self) -> str:
        """The SQLAlchemy URL, with Salon's async driver for the database named."""
        url = self.database_url
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+asyncpg://" + url[len(plain):]
        if url:
            return url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'salon.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def served_url(host: str, port: int, tls: bool) -> str:
    """The address `salon serve --host H --port P` answers at on this machine: links for a
    person at this laptop when SALON_BASE_URL is unset (every interface: 127.0.0.1)."""
    scheme = "https" if tls else "http"
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - names every interface, listens on none
        host = "127.0.0.1"
    elif ":" in host:  # an IPv6 address is bracketed in a URL
        host = f"[{host}]"
    default = 443 if tls else 80
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def comma_list(value: str) -> list[str]:
    """A comma-separated setting's items, trimmed, without empty ones."""
    return [item.strip() for item in value.split(",") if item.strip()]


_current: Settings | None = None


def configure(settings: Settings) -> Settings:
    """Make `settings` the ones background handlers read (set by app, worker and tests)."""
    global _current
    _current = settings
    return settings


def get_settings() -> Settings:
    global _current
    if _current is None:
        _current = Settings()
    return _current
