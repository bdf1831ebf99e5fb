using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// A profile in words: for cold and warm runs, the driver's own timing (<see cref="GeneratorDriver.GetTimingInfo"/>) and
/// the time of each tracked step, Roslyn's internal ones included, summed over the step's inputs. Not a benchmark (no
/// statistics): it says which step dominates, so a fix goes to the right place.
/// </summary>
internal static class StepTimingReport
{
    public static int Run(string[] args)
    {
        var typeCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var files = ModelCorpus.Create(typeCount);
        Console.WriteLine($"{typeCount} annotated types in {files.Count} files; {runs} runs of each, after one warm-up run (JIT).");

        for (var i = 0; i <= runs; i++)
        {
            var compilation = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var stopwatch = Stopwatch.StartNew();
            var driver = GeneratorRuns.CreateDriver().RunGenerators(compilation);
            var untracked = stopwatch.Elapsed;
            if (i == 0)
            {
                GeneratorRuns.CheckCleanRun(driver.GetRunResult(), typeCount);
                continue;
            }

            // The same work again with step tracking on, on a compilation of its own, for the per-step split.
            var tracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(GeneratorRuns.Compile(GeneratorRuns.Parse(files)));
            Console.WriteLine();
            Console.WriteLine($"cold run {i}: {Ms(untracked)} wall, driver timing {Ms(driver.GetTimingInfo().ElapsedTime)} "
                + $"(generator {Ms(driver.GetTimingInfo().GeneratorTimes.Single().ElapsedTime)}); with step tracking {Ms(tracked.GetTimingInfo().ElapsedTime)}");
            PrintSteps(tracked.GetRunResult());

            var edited = GeneratorRuns.Edit(compilation, ModelCorpus.EditedModelPath, ModelCorpus.EditedTemplate, "\"order0000v" + i.ToString(CultureInfo.InvariantCulture) + ":{Id}\"");
            var warmTracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(compilation);
            stopwatch.Restart();
            var warm = warmTracked.RunGenerators(edited);
            var warmElapsed = stopwatch.Elapsed;
            Console.WriteLine($"warm run {i}, one template edited: {Ms(warmElapsed)} wall (step tracking on), driver timing {Ms(warm.GetTimingInfo().ElapsedTime)}");
            PrintSteps(warm.GetRunResult());
        }

        return 0;
    }

    private static void PrintSteps(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        // TrackedSteps holds the output steps too ("SourceOutput"), so TrackedOutputSteps is not added again.
        var steps = result.TrackedSteps
            .Select(s => (Name: s.Key, Runs: s.Value.Length, Time: TimeSpan.FromTicks(s.Value.Sum(r => r.ElapsedTime.Ticks))))
            .OrderByDescending(s => s.Time)
            .Take(12);
        foreach (var (name, count, time) in steps)
        {
            Console.WriteLine($"  {name,-48} {count,5} inputs {Ms(time),10}");
        }
    }

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
