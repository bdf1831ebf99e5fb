using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Workload;

namespace AnarchoRedis.Jepsen.Orchestration;

/// <summary>
/// Worker processes: this same assembly started in <c>worker</c> mode with <c>dotnet exec</c>. Stopped by writing
/// <c>stop</c> to their standard input, and killed by pid when they do not exit in time or on any other exit path.
/// </summary>
public sealed class WorkerPool : IAsyncDisposable
{
    private static readonly Queue<string> Errors = new();
    private readonly List<Process> _processes = new();

    /// <summary>The last lines the workers wrote to standard error.</summary>
    public static string ErrorTail()
    {
        lock (Errors)
        {
            return string.Join(Environment.NewLine, Errors);
        }
    }

    public IReadOnlyList<string> HistoryPaths { get; private set; } = [];

    public IReadOnlyList<int> Pids => _processes.Select(p => p.Id).ToList();

    public static async Task<WorkerPool> StartAsync(int workers, Func<int, WorkloadSettings> settingsFor, CancellationToken cancellationToken)
    {
        var pool = new WorkerPool();
        try
        {
            var paths = new List<string>();
            for (var p = 0; p < workers; p++)
            {
                var settings = settingsFor(p);
                paths.Add(settings.HistoryPath);
                pool._processes.Add(Start(settings));
            }

            pool.HistoryPaths = paths;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            foreach (var process in pool._processes)
            {
                string? line;
                do
                {
                    line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                }
                while (line is not null && line != "ready");

                if (line is null)
                {
                    throw new InvalidOperationException($"worker {process.Id} exited before it was ready: {ErrorTail()}");
                }
            }

            return pool;
        }
        catch
        {
            await pool.DisposeAsync();
            throw;
        }
    }

    private static Process Start(WorkloadSettings s)
    {
        var dll = typeof(WorkerPool).Assembly.Location;
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        foreach (var arg in new[]
        {
            "exec", dll, "worker",
            "--process", I(s.Process), "--clients", I(s.Clients), "--endpoints", string.Join(';', s.EndPoints),
            "--keys", I(s.Keys), "--seed", I(s.Seed), "--start-ms", I(s.StartMillis),
            "--node-timeout-ms", I((long)s.NodeTimeout.TotalMilliseconds), "--mix", s.Mix, "--history", s.HistoryPath,
            "--w", s.WriteConsistency.ToString(), "--r", s.ReadConsistency.ToString(),
            "--read-fanout", s.ReadFanOut.ToString(), "--max-clock-skew-ms", I((long)s.MaxClockSkew.TotalMilliseconds),
            "--queue-pushers", I(s.QueuePushers), "--pop-claim-lease-ms", I((long)s.PopClaimLease.TotalMilliseconds),
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a worker process");
        // Drained so a chatty worker never blocks on a full pipe; the tail is kept for error messages.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (Errors)
                {
                    Errors.Enqueue($"[worker {s.Process}] {line}");
                    while (Errors.Count > 50)
                    {
                        Errors.Dequeue();
                    }
                }
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The dotnet host running us (or the one the SDK names), so workers run on the same runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    public int Count => _processes.Count;

    /// <summary>Writes one command line (<c>renew</c>, <c>clock N</c>) to one worker's standard input (all when <paramref name="worker"/> is null).</summary>
    public async Task SendAsync(string command, int? worker = null)
    {
        for (var i = 0; i < _processes.Count; i++)
        {
            if (worker is { } w && w != i)
            {
                continue;
            }

            try
            {
                await _processes[i].StandardInput.WriteLineAsync(command);
                await _processes[i].StandardInput.FlushAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // A worker that is gone gets nothing; the run's check says what that cost.
            }
        }
    }

    /// <summary>Asks every worker to stop, waits up to <paramref name="grace"/>, then kills the ones left by pid.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        foreach (var process in _processes)
        {
            try
            {
                await process.StandardInput.WriteLineAsync("stop");
                await process.StandardInput.FlushAsync();
                process.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        using var timeout = new CancellationTokenSource(grace);
        foreach (var process in _processes)
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            Kill(process);
            process.Dispose();
        }

        _processes.Clear();
        return ValueTask.CompletedTask;
    }
}
