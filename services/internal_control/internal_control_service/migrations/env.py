from internal_control_service.models import metadata
from internal_control_service.settings import get_settings
from styrkedjan_common.migrations import run_env

run_env(metadata, lambda: get_settings().database_url)
