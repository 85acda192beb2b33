#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that tshark, an independent dissector, decodes the packets that
lib/'s codecs built the way the fixture table says.

usage: tshark_check.py <dsrlb-fixtures> <workdir>

dsrlb-fixtures writes the pcap and, with --expect, one line per frame:
"<frame-number>\t<fixture-name>\t<checks>", checks as in fixtures.h:
  name=value   a field by name, compared with its 'show' text
  ~prefix=hex  an unnamed field whose text starts with prefix, compared
               with its raw bytes
Every failed check is printed; the exit status is 1 when any failed.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def fields_of(packet):
    named, unnamed = {}, []
    for f in packet.iter('field'):
        name = f.get('name', '')
        if name:
            named.setdefault(name, []).append(f.get('show', ''))
        else:
            unnamed.append((f.get('show', ''), f.get('value', '')))
    return named, unnamed


def check(frame, name, checks, packet):
    named, unnamed = fields_of(packet)
    failures = 0
    for c in filter(None, checks.split(';')):
        key, _, want = c.partition('=')
        if key.startswith('~'):
            got = [v for s, v in unnamed if s.startswith(key[1:])]
        else:
            got = named.get(key, [])
        ok = want in got
        print(f"{'ok  ' if ok else 'FAIL'} frame {frame} {name}: "
              f"{key} = {want!r} (tshark: {got!r})")
        failures += not ok
    return failures


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, 'fixtures.pcap')
    expect = subprocess.run([tool, '--expect', pcap], check=True,
                            capture_output=True, text=True).stdout
    pdml = subprocess.run(
        ['tshark', '-n', '-r', pcap, '-T', 'pdml',
         '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
         '-o', 'udp.check_checksum:TRUE'],
        check=True, capture_output=True, text=True).stdout
    packets = ET.fromstring(pdml).findall('packet')
    failures = checked = 0
    for line in expect.splitlines():
        frame, name, checks = line.split('\t')
        idx = int(frame) - 1
        if idx >= len(packets):
            print(f"FAIL frame {frame} {name}: missing from tshark output")
            failures += 1
            continue
        failures += check(frame, name, checks, packets[idx])
        checked += 1
    print(f"tshark_check: {checked} frames checked, {failures} failures")
    if checked == 0:
        failures += 1
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
