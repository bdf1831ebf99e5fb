using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Local redis-server processes on free loopback ports, without persistence. Stopped by process id when disposed,
/// and also when the process exits (Ctrl+C, SIGTERM, unhandled exception).
/// </summary>
internal sealed class RedisServers : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<int> _ports = [];
    private readonly PosixSignalRegistration[] _signals;

    private RedisServers()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        // Ctrl+C and kill end the driver at once (the default action still runs after this handler), but never
        // without stopping the servers it started.
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => StopAll()),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll()),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => StopAll()),
        ];
    }

    public IReadOnlyList<int> Ports => _ports;

    public IReadOnlyList<string> EndPoints => _ports.ConvertAll(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}");

    public IReadOnlyList<int> ProcessIds => _processes.ConvertAll(p => p.Id);

    public static async Task<RedisServers> StartAsync(string path, int count)
    {
        var servers = new RedisServers();
        try
        {
            for (var i = 0; i < count; i++)
            {
                await servers.StartOneAsync(path).ConfigureAwait(false);
            }

            return servers;
        }
        catch
        {
            await servers.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static string Version(string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            var text = process!.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        StopAll();
        return ValueTask.CompletedTask;
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopAll();

    private void StopAll()
    {
        lock (_processes)
        {
            foreach (var process in _processes)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill();
                        process.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                process.Dispose();
            }

            _processes.Clear();
        }
    }

    private async Task StartOneAsync(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no" })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {path}.");
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            lock (_processes)
            {
                _processes.Add(process);
            }

            if (await WaitForPortAsync(port, process).ConfigureAwait(false))
            {
                _ports.Add(port);
                return;
            }

            if (attempt == 5)
            {
                throw new InvalidOperationException($"redis-server did not start (last port tried {port}).");
            }
        }
    }

    private static async Task<bool> WaitForPortAsync(int port, Process process)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                return false; // Most likely the port was taken meanwhile: try another.
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
