from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(tags=["dialogues"], route_class=PolicyRoute)
