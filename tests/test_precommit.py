"""End to end with the real pre-commit tool: this repository as a hook source blocks a bad commit
and lets a good one through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))

pytestmark = pytest.mark.skipif(not Path(PRE_COMMIT).exists() or shutil.which("git") is None,
                                reason="pre-commit or git not installed")

BAD = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          DB_PASSWORD: correct-horse-battery-staple
      Events:
        Get:
          Type: Api
          Properties: {Path: /, Method: get}
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Api}
      RetentionInDays: 7
"""
GOOD = BAD.replace("DB_PASSWORD: correct-horse-battery-staple", "DB_PASSWORD_SECRET_ARN: !Ref DbSecret") + """\
  DbSecret:
    Type: AWS::SecretsManager::Secret
"""


def git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def snapshot_repo(target: Path, env: dict[str, str]) -> str:
    """This working tree (tracked and new files, as they are now) as a one-commit repository."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for rel in listed:
        src = ROOT / rel
        if src.is_file() and not rel.startswith(("tests/", ".ci/")):
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    git(target, "init", "-q", env=env)
    git(target, "add", "-A", env=env)
    git(target, "commit", "-q", "-m", "snapshot", env=env)
    return git(target, "rev-parse", "HEAD", env=env).stdout.strip()


def test_pre_commit_blocks_bad_commit_and_passes_good_one(tmp_path: Path) -> None:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    rev = snapshot_repo(hooks, env)
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q", env=env)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: lambdalint\n")
    (project / "README.md").write_text("demo\n")
    git(project, "add", "-A", env=env)
    git(project, "commit", "-q", "-m", "init", "--no-verify", env=env)
    install = subprocess.run([PRE_COMMIT, "install", "--install-hooks"], cwd=project, capture_output=True, text=True,
                             env=env, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr

    (project / "template.yaml").write_text(BAD)
    git(project, "add", "template.yaml", env=env)
    blocked = git(project, "commit", "-m", "add function", env=env)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "LL201" in blocked.stdout + blocked.stderr
    assert "correct-horse-battery-staple" not in blocked.stdout + blocked.stderr
    assert git(project, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "1"

    (project / "template.yaml").write_text(GOOD)
    git(project, "add", "template.yaml", env=env)
    passed = git(project, "commit", "-m", "add function", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(project, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "2"
