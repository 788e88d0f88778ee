from kit.migrations import run_env
from mall.models import Base

run_env(Base.metadata)
