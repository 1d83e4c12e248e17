"""A small filesystem for the disk-full scenario: a tmpfs mounted for the run (needs root)."""

import contextlib
import errno
import os
import subprocess
import time


class VolumeError(RuntimeError):
    pass


@contextlib.contextmanager
def small_volume(path, size_mb):
    """Mount a `size_mb` MB tmpfs at `path` for the block; unmounted after, even on failure."""
    path.mkdir(parents=True, exist_ok=True)
    # Root mounts directly (CI); anyone else needs sudo without a password prompt.
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mode = "0700" if not sudo else "0777"
    mounted = subprocess.run([*sudo, "mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode={mode}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        raise VolumeError(f"cannot mount a tmpfs at {path} (the disk-full scenario needs root or sudo): "
                          f"{mounted.stderr.strip()}")
    try:
        yield path
    finally:
        for _ in range(50):
            if subprocess.run([*sudo, "umount", str(path)], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)  # a process that just closed the database may not have gone yet
        else:
            subprocess.run([*sudo, "umount", "--lazy", str(path)], capture_output=True)


def fill(path):
    """Write `path` until the filesystem refuses (ENOSPC); returns the bytes written."""
    written = 0
    with open(path, "ab", buffering=0) as filler:
        for chunk in (1 << 20, 1 << 16, 1 << 12):
            block = b"\0" * chunk
            try:
                while True:
                    written += filler.write(block)
            except OSError as problem:
                if problem.errno != errno.ENOSPC:
                    raise
    return written


def free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize
