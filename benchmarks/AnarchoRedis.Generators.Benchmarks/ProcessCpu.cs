using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// The process's CPU time (all threads, user and kernel), and per-iteration records of it. On a shared two-core machine
/// BenchmarkDotNet's wall times mostly measure waiting for a core; the CPU time an operation consumed is much less
/// sensitive to other users' load, so the benchmarks print it beside the table (lines starting "// CPU").
/// </summary>
internal sealed class ProcessCpu
{
    private const int RusageSelf = 0;

    private readonly List<double> _milliseconds = new();
    private TimeSpan _start;

    /// <summary>Marks the start of the measured operation (call last in the iteration setup).</summary>
    public void Start() => _start = Now();

    /// <summary>Records the operation's CPU time (call in the iteration cleanup).</summary>
    public void Stop() => _milliseconds.Add((Now() - _start).TotalMilliseconds);

    /// <summary>
    /// Prints min and median over the measured runs. BenchmarkDotNet runs, each through the iteration setup and
    /// cleanup: one jitting run, the warm-ups, the measured runs, and one more for the memory diagnoser; the measured
    /// runs are the <paramref name="measuredRuns"/> records before the last.
    /// </summary>
    public void Print(string benchmark, int measuredRuns)
    {
        if (_milliseconds.Count < measuredRuns + 1)
        {
            return;
        }

        var sorted = _milliseconds.Skip(_milliseconds.Count - measuredRuns - 1).Take(measuredRuns).OrderBy(m => m).ToList();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// CPU {benchmark}: {sorted.Count} measured runs, min {sorted[0]:0.0} ms, median {sorted[sorted.Count / 2]:0.0} ms, max {sorted[^1]:0.0} ms"));
        _milliseconds.Clear();
    }

    /// <summary>
    /// getrusage(RUSAGE_SELF) on Linux: microsecond resolution, where <see cref="Process.TotalProcessorTime"/> moves
    /// in 10 ms clock ticks, too coarse for a 30 ms operation.
    /// </summary>
    public static TimeSpan Now()
    {
        if (OperatingSystem.IsLinux() && GetResourceUsage(RusageSelf, out var usage) == 0)
        {
            return TimeSpan.FromTicks(((usage.UserSeconds + usage.SystemSeconds) * TimeSpan.TicksPerSecond)
                + ((usage.UserMicroseconds + usage.SystemMicroseconds) * 10));
        }

        return Process.GetCurrentProcess().TotalProcessorTime;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);

    // struct rusage on 64-bit Linux: two struct timeval (user, system), then fourteen longs this class does not read.
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }
}
