from budget_service.models import metadata
from budget_service.settings import get_settings
from styrkedjan_common.migrations import run_env

run_env(metadata, lambda: get_settings().database_url)
