using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HdrHistogram;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// What one case measured: raw sums, so that several rounds of the same case add up (throughput = all operations
/// over all measured time; percentiles from the merged histogram; per-op figures from the summed deltas).
/// </summary>
internal sealed class CaseResult(string group, string operation)
{
    public string Group { get; } = group;

    public string Operation { get; } = operation;

    public LongHistogram Latency { get; } = new(1, 60_000_000, 3);

    public long Operations { get; private set; }

    public long Errors { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public long AllocatedBytes { get; private set; }

    public TimeSpan ClientCpu { get; private set; }

    public TimeSpan ServerCpu { get; private set; }

    public int Gen0 { get; private set; }

    public int Gen1 { get; private set; }

    public int Gen2 { get; private set; }

    public int Rounds { get; private set; }

    /// <summary>With --alloc-profile: the sampled share of allocated bytes by type (of the last round).</summary>
    public IReadOnlyList<(string Type, double Share)>? AllocationProfile { get; set; }

    public double OpsPerSecond => Elapsed > TimeSpan.Zero ? Operations / Elapsed.TotalSeconds : 0;

    public double P50Us => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(50);

    public double P99Us => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(99);

    public double P999Us => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(99.9);

    public double AllocatedBytesPerOp => Operations == 0 ? 0 : (double)AllocatedBytes / Operations;

    public double ClientCpuUsPerOp => Operations == 0 ? 0 : ClientCpu.TotalMicroseconds / Operations;

    public double ServerCpuUsPerOp => Operations == 0 ? 0 : ServerCpu.TotalMicroseconds / Operations;

    /// <summary>EVALSHA calls on all nodes in the measured windows, and the time Redis spent in them (INFO commandstats).</summary>
    public long ScriptCalls { get; private set; }

    public long ScriptUsec { get; private set; }

    /// <summary>Redis' own time per EVALSHA, script and nested commands included (no network, no client noise).</summary>
    public double ScriptUsPerCall => ScriptCalls == 0 ? 0 : (double)ScriptUsec / ScriptCalls;

    /// <summary>EVALSHA calls on all nodes per operation: how many nodes an operation's script went to (hedges included).</summary>
    public double ScriptCallsPerOp => Operations == 0 ? 0 : (double)ScriptCalls / Operations;

    /// <summary>Deltas of a caller's own counters over the measured windows (see <see cref="LoadDriver.RunAsync{T}"/>), summed over rounds.</summary>
    public long[] Counters { get; private set; } = [];

    public void AddCounters(long[] delta)
    {
        if (Counters.Length < delta.Length)
        {
            var grown = new long[delta.Length];
            Counters.CopyTo(grown, 0);
            Counters = grown;
        }

        for (var i = 0; i < delta.Length; i++)
        {
            Counters[i] += delta[i];
        }
    }

    public void AddScripts(long calls, long usec)
    {
        ScriptCalls += calls;
        ScriptUsec += usec;
    }

    public void Add(long operations, long errors, TimeSpan elapsed, long allocated, TimeSpan clientCpu, TimeSpan serverCpu, int gen0, int gen1, int gen2)
    {
        Operations += operations;
        Errors += errors;
        Elapsed += elapsed;
        AllocatedBytes += allocated;
        ClientCpu += clientCpu;
        ServerCpu += serverCpu;
        Gen0 += gen0;
        Gen1 += gen1;
        Gen2 += gen2;
        Rounds++;
    }
}

/// <summary>
/// Closed-loop load: <c>inFlight</c> workers, each running one operation at a time on a random key, so exactly that
/// many operations are outstanding. A warmup phase (not recorded), then a measured phase of fixed duration.
/// Latency per completed operation goes to a per-worker HdrHistogram (µs); allocation is the process-wide
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> delta over the measured phase (all threads: the workers,
/// StackExchange.Redis' reader loops and continuations) divided by the operations completed in it.
/// </summary>
internal sealed class LoadDriver(int inFlight, TimeSpan warmup, TimeSpan duration, int keyCount, IReadOnlyList<int> serverPids, AllocationProfiler? profiler = null, Func<Task<(long Calls, long Usec)>>? scriptStats = null)
{
    private const int Warmup = 0;
    private const int Measure = 1;
    private const int Stop = 2;

    /// <summary>
    /// Warms up, then measures <paramref name="op"/>; <paramref name="counters"/>, when given, is read at the start and at
    /// the end of the measured window and the difference added to <see cref="CaseResult.Counters"/> (e.g. a retry count).
    /// </summary>
    public async Task RunAsync<T>(CaseResult into, Func<int, ValueTask<T>> op, Func<long[]>? counters = null)
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
        var scriptsBefore = scriptStats is null ? default : await scriptStats().ConfigureAwait(false);
        var countersBefore = counters?.Invoke();
        var start = Stopwatch.GetTimestamp();
        profiler?.Start();
        Volatile.Write(ref phase, Measure);
        await Task.Delay(duration).ConfigureAwait(false);
        Volatile.Write(ref phase, Stop);
        var countersAfter = counters?.Invoke();
        var profile = profiler?.Stop(15);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        var clientCpu = ClientCpu() - clientCpuBefore;
        var serverCpu = ServerCpu() - serverCpuBefore;
        var scriptsAfter = scriptStats is null ? default : await scriptStats().ConfigureAwait(false);
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;
        await Task.WhenAll(workers).ConfigureAwait(false);

        long operations = 0, failed = 0;
        for (var w = 0; w < inFlight; w++)
        {
            into.Latency.Add(histograms[w]);
            operations += completed[w];
            failed += errors[w];
        }

        into.Add(operations, failed, elapsed, allocatedAfter - allocatedBefore, clientCpu, serverCpu, gen0, gen1, gen2);
        if (countersBefore is not null && countersAfter is not null)
        {
            into.AddCounters([.. countersAfter.Select((after, i) => after - countersBefore[i])]);
        }

        into.AddScripts(scriptsAfter.Calls - scriptsBefore.Calls, scriptsAfter.Usec - scriptsBefore.Usec);
        if (profile is not null)
        {
            into.AllocationProfile = profile;
        }
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
