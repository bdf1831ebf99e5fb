using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using HdrHistogram;

namespace AnarchoRedis.Benchmarks;

/// <summary>One measured case: what it does and how fast.</summary>
internal sealed record CaseResult(
    string Group,
    string Operation,
    double OpsPerSecond,
    double P50Us,
    double P99Us,
    double P999Us,
    double AllocatedBytesPerOp,
    long Operations,
    long Errors,
    int Gen0,
    int Gen1,
    int Gen2,
    double ClientCpuUsPerOp,
    double ServerCpuUsPerOp)
{
    /// <summary>With --alloc-profile: the sampled share of allocated bytes by type.</summary>
    public IReadOnlyList<(string Type, double Share)>? AllocationProfile { get; init; }
}

/// <summary>
/// Closed-loop load: <c>inFlight</c> workers, each running one operation at a time on a random key, so exactly that
/// many operations are outstanding. A warmup phase (not recorded), then a measured phase of fixed duration.
/// Latency per completed operation goes to a per-worker HdrHistogram (µs); allocation is the process-wide
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> delta over the measured phase (all threads: the workers,
/// StackExchange.Redis' reader loops and continuations) divided by the operations completed in it.
/// </summary>
internal sealed class LoadDriver(int inFlight, TimeSpan warmup, TimeSpan duration, int keyCount, IReadOnlyList<int> serverPids, AllocationProfiler? profiler = null)
{
    private const int Warmup = 0;
    private const int Measure = 1;
    private const int Stop = 2;

    public async Task<CaseResult> RunAsync<T>(string group, string operation, Func<int, ValueTask<T>> op)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var phase = Warmup;
        var histograms = new LongHistogram[inFlight];
        var completed = new long[inFlight];
        var errors = new long[inFlight];
        var workers = new Task[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            var index = w;
            histograms[w] = new LongHistogram(1, 60_000_000, 3);
            workers[w] = Task.Run(async () =>
            {
                var random = new Random(index * 7919 + 17);
                var histogram = histograms[index];
                while (true)
                {
                    var current = Volatile.Read(ref phase);
                    if (current == Stop)
                    {
                        return;
                    }

                    var key = random.Next(keyCount);
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await op(key).ConfigureAwait(false);
                    }
                    catch (Exception) when (Volatile.Read(ref phase) != Stop)
                    {
                        if (Volatile.Read(ref phase) == Measure)
                        {
                            errors[index]++;
                        }

                        continue;
                    }

                    if (Volatile.Read(ref phase) == Measure)
                    {
                        var elapsedUs = (Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency;
                        histogram.RecordValue(Math.Max(1, elapsedUs));
                        completed[index]++;
                    }
                }
            });
        }

        await Task.Delay(warmup).ConfigureAwait(false);
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clientCpuBefore = ClientCpu();
        var serverCpuBefore = ServerCpu();
        var start = Stopwatch.GetTimestamp();
        profiler?.Start();
        Volatile.Write(ref phase, Measure);
        await Task.Delay(duration).ConfigureAwait(false);
        Volatile.Write(ref phase, Stop);
        var profile = profiler?.Stop(15);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        var clientCpu = ClientCpu() - clientCpuBefore;
        var serverCpu = ServerCpu() - serverCpuBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;
        await Task.WhenAll(workers).ConfigureAwait(false);

        var total = new LongHistogram(1, 60_000_000, 3);
        long operations = 0, failed = 0;
        for (var w = 0; w < inFlight; w++)
        {
            total.Add(histograms[w]);
            operations += completed[w];
            failed += errors[w];
        }

        return new CaseResult(
            group,
            operation,
            operations / elapsed.TotalSeconds,
            total.GetValueAtPercentile(50),
            total.GetValueAtPercentile(99),
            total.GetValueAtPercentile(99.9),
            operations == 0 ? 0 : (double)(allocatedAfter - allocatedBefore) / operations,
            operations,
            failed,
            gen0,
            gen1,
            gen2,
            operations == 0 ? 0 : clientCpu.TotalMicroseconds / operations,
            operations == 0 ? 0 : serverCpu.TotalMicroseconds / operations)
        {
            AllocationProfile = profile,
        };
    }

    /// <summary>CPU time of this process (all threads: workers, GC, StackExchange.Redis' I/O).</summary>
    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>CPU time of the redis-server processes (from /proc; 10 ms granularity on Linux).</summary>
    private TimeSpan ServerCpu()
    {
        var total = TimeSpan.Zero;
        foreach (var pid in serverPids)
        {
            using var server = Process.GetProcessById(pid);
            total += server.TotalProcessorTime;
        }

        return total;
    }

    /// <summary>Runs <paramref name="op"/> once for every key, <c>inFlight</c> at a time (fills the keyspace before reads).</summary>
    public async Task FillAsync<T>(Func<int, ValueTask<T>> op)
    {
        var next = -1;
        var workers = new Task[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int key;
                while ((key = Interlocked.Increment(ref next)) < keyCount)
                {
                    await op(key).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
