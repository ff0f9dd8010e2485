"""Model provisioning: parts joined in order, verified by size and sha256, corruption caught."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from companion.errors import ModelCorruptError, ModelMissingError
from companion.models import CATALOGUE, ModelSpec, ensure_model, find_parts, join_parts, verify


def parts(tmp_path, blobs):
    paths = []
    for i, blob in enumerate(blobs, start=1):
        path = tmp_path / f"part{i:02d}.bin"
        path.write_bytes(blob)
        paths.append(path)
    return paths


def test_parts_are_joined_in_order_and_verified(tmp_path):
    blobs = [b"alpha" * 1000, b"beta" * 1000, b"gamma"]
    whole = b"".join(blobs)
    dest = tmp_path / "models" / "m.gguf"
    join_parts(parts(tmp_path, blobs), dest, len(whole), hashlib.sha256(whole).hexdigest())
    assert dest.read_bytes() == whole
    verify(dest, len(whole), hashlib.sha256(whole).hexdigest())


def test_checksum_mismatch_leaves_no_model_file(tmp_path):
    blobs = [b"alpha", b"beta"]
    dest = tmp_path / "m.gguf"
    with pytest.raises(ModelCorruptError, match="expected"):
        join_parts(parts(tmp_path, blobs), dest, 9, "0" * 64)
    assert not dest.exists() and not list(tmp_path.glob("*.partial"))


def test_a_file_changed_after_verification_is_caught(tmp_path):
    whole = b"x" * 4096
    sha = hashlib.sha256(whole).hexdigest()
    dest = join_parts(parts(tmp_path, [whole]), tmp_path / "m.gguf", len(whole), sha)
    with dest.open("r+b") as f:  # same size, one byte flipped: only the hash can tell
        f.seek(100)
        f.write(b"y")
    with pytest.raises(ModelCorruptError, match="sha256"):
        verify(dest, len(whole), sha)
    dest.write_bytes(whole[:-1])
    with pytest.raises(ModelCorruptError, match="bytes"):
        verify(dest, len(whole), sha)


def test_missing_part_packages_name_the_fix(tmp_path):
    spec = ModelSpec("nope", "model-nope", "companion-no-such-package-part", 2, "1", 1, "0" * 64, "n.gguf")
    with pytest.raises(ModelMissingError) as err:
        ensure_model(spec, tmp_path)
    assert "pip install" in err.value.fix and "2 of 2" in err.value.message


@pytest.mark.slow
def test_real_installed_model_verifies_and_a_corrupted_copy_does_not(real_settings, tmp_path):
    spec = CATALOGUE[real_settings.chat_model]
    find_parts(spec)  # the test command installs this model's packages
    path = ensure_model(spec, real_settings.models_dir)
    assert path.stat().st_size == spec.size
    copy = tmp_path / spec.filename
    shutil.copyfile(path, copy)
    with copy.open("r+b") as f:
        f.seek(spec.size // 2)
        byte = f.read(1)
        f.seek(spec.size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelCorruptError):
        verify(copy, spec.size, spec.sha256)
