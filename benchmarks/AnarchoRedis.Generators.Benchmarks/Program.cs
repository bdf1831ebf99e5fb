using System.Linq;
using BenchmarkDotNet.Running;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/AnarchoRedis.Generators.Benchmarks -- --filter '*'</c> runs the
/// BenchmarkDotNet benchmarks (any BenchmarkDotNet arguments work); <c>-- timing [types] [runs]</c> prints where a cold
/// and a warm run spend their time, step by step (<see cref="StepTimingReport"/>).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "timing")
        {
            return StepTimingReport.Run(args[1..]);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
