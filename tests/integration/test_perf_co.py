#!/usr/bin/python3
"""test_perf_co.py - pf-load's coordinated-omission correction, end to end.

A tiny HTTP/1.1 keep-alive server (this file run with --serve, on loopback)
answers at once, except that 1.5 s after its first request it stalls every
answer for 1 s. Under an open-loop load at a fixed rate, every request whose
intended send time fell in the stall must count the wait, so p99 shows the
stall (as wrk2 reports it). A closed-loop run over the same stall records
only one slow sample per connection: its p99 stays low although max shows
the second; that is the omission the open loop corrects. A run without a
stall stays fast. Usage: test_perf_co.py PATH/TO/pf-load
"""
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

PF_LOAD = None


def serve(port, stall_after, stall_for):
    state = {'first': None}

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b'\r\n\r\n')
                length = 0
                for line in head.split(b'\r\n'):
                    if line.lower().startswith(b'content-length:'):
                        length = int(line.split(b':', 1)[1])
                if length:
                    await reader.readexactly(length)
                now = time.monotonic()
                if state['first'] is None:
                    state['first'] = now
                start = state['first'] + stall_after
                if stall_for > 0 and start <= now < start + stall_for:
                    await asyncio.sleep(start + stall_for - now)
                writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        srv = await asyncio.start_server(handle, '127.0.0.1', port, backlog=256)
        print('ready', flush=True)
        async with srv:
            await asyncio.sleep(60)  # bounded: the test kills it well before

    asyncio.run(main())


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, stall_for):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--serve', str(self.port), '1.5',
             str(stall_for)], stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == b'ready'

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def run_load(port, *args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'r.json')
        cmd = [PF_LOAD, '-u', 'http://127.0.0.1:%d' % port, '-q', '-j', out] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr + p.stdout
        with open(out) as f:
            return json.load(f)


class CoordinatedOmission(unittest.TestCase):
    def run_with(self, stall_for, *args):
        srv = Server(stall_for)
        try:
            return run_load(srv.port, *args)
        finally:
            srv.stop()

    def test_open_loop_shows_stall_in_p99(self):
        r = self.run_with(1.0, '-R', '200', '-c', '4', '-w', '0.5', '-d', '4')
        lat = r['latency_us']
        self.assertEqual(r['errors'], 0)
        self.assertGreater(r['requests'], 700)
        # ~200 of ~800 samples were intended during the 1 s stall and waited
        # from 0 up to 1 s: a quarter of the samples, so p99 is near 1 s.
        self.assertGreater(lat['p99'], 800e3, lat)
        self.assertGreater(lat['max'], 950e3, lat)
        self.assertGreater(lat['p90'], 300e3, lat)
        self.assertLess(lat['p50'], 100e3, lat)

    def test_open_loop_poisson_shows_stall(self):
        r = self.run_with(1.0, '-R', '200', '--poisson', '-c', '4', '-w', '0.5', '-d', '4')
        self.assertEqual(r['arrival'], 'poisson')
        self.assertGreater(r['latency_us']['p99'], 700e3, r['latency_us'])

    def test_closed_loop_hides_stall(self):
        r = self.run_with(1.0, '--closed', '-c', '4', '-w', '0.5', '-d', '4')
        lat = r['latency_us']
        # one stalled request per connection: max sees it, p99 does not
        self.assertGreater(lat['max'], 800e3, lat)
        self.assertGreater(r['requests'], 1000)
        self.assertLess(lat['p99'], 200e3, lat)

    def test_no_stall_is_fast(self):
        r = self.run_with(0, '-R', '200', '-c', '4', '-w', '0.5', '-d', '2')
        self.assertLess(r['latency_us']['p99'], 100e3, r['latency_us'])
        self.assertGreater(r['requests'], 350)
        self.assertEqual(r['timeouts'], 0)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--serve':
        serve(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]))
        sys.exit(0)
    PF_LOAD = sys.argv.pop(1)
    unittest.main(verbosity=2)
