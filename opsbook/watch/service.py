"""Running `opsbook watch` as a service: a Windows Task Scheduler task (its XML, and the
``schtasks`` line that registers it) and a systemd unit.  Both start the watch at logon/boot
and start it again if it stops; the schedule itself is kept by the watch, so the task needs
no timed triggers of its own, and a stop (SIGTERM, or the task ended) lets the workbook in
hand finish first.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from xml.sax.saxutils import escape

TASK_NAME = "opsbook watch"


def command_line(folder: str, args: list[str], python: str | None = None) -> list[str]:
    """The watch as a process: this Python, ``-m opsbook watch FOLDER ARGS``."""
    return [python or sys.executable, "-m", "opsbook", "watch", str(folder), *args]


def task_xml(argv: list[str], description: str, workdir: str = "") -> str:
    """A Task Scheduler 1.2 task: at logon of the user who registers it, never ending by
    itself (ExecutionTimeLimit PT0S), restarted every 5 minutes after a failure, one
    instance at a time."""
    arguments = subprocess.list2cmdline(argv[1:])  # Windows' own quoting rules
    work = f"\n      <WorkingDirectory>{escape(workdir)}</WorkingDirectory>" if workdir else ""
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{escape(description)}</Description>
    <URI>\\{escape(TASK_NAME)}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT5M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(argv[0])}</Command>
      <Arguments>{escape(arguments)}</Arguments>{work}
    </Exec>
  </Actions>
</Task>
"""


def schtasks_lines(xml_path: str, argv: list[str]) -> list[str]:
    """Register the task from its XML; or, without the XML's restart settings, in one line."""
    return [
        f'schtasks /Create /TN "{TASK_NAME}" /XML "{xml_path}" /F',
        f'schtasks /Create /TN "{TASK_NAME}" /SC ONLOGON /F /TR '
        + subprocess.list2cmdline([subprocess.list2cmdline(argv)]),
    ]


def systemd_unit(argv: list[str], description: str, env_file: str = "") -> str:
    """A user unit (~/.config/systemd/user/opsbook-watch.service): restarted on failure;
    SIGTERM and five minutes to finish the workbook in hand; secrets from a mode-600
    environment file."""
    env = f"EnvironmentFile={env_file}\n" if env_file else ""
    return f"""[Unit]
Description={description}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={shlex.join(argv)}
{env}Restart=on-failure
RestartSec=30
KillSignal=SIGTERM
TimeoutStopSec=300

[Install]
WantedBy=default.target
"""
