"""Our own building blocks: metric sources and panel factories beside the kit's."""
