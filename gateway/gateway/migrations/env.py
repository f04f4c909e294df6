from gateway.models import metadata
from gateway.settings import get_settings
from styrkedjan_common.migrations import run_env

run_env(metadata, lambda: get_settings().database_url)
