import sys

from .config import go_offline

go_offline()  # before anything imports huggingface_hub

from .cli import main  # noqa: E402

sys.exit(main())
