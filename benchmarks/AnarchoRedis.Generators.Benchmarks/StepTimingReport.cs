using System;
using System.Collections.Generic;
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
        var times = new Dictionary<string, List<(TimeSpan Wall, TimeSpan Cpu)>>();
        void Record(string scenario, (TimeSpan Wall, TimeSpan Cpu) time)
        {
            if (!times.TryGetValue(scenario, out var list))
            {
                times[scenario] = list = new List<(TimeSpan Wall, TimeSpan Cpu)>();
            }

            list.Add(time);
        }

        Console.WriteLine($"{typeCount} annotated types in {files.Count} files; {runs} runs of each after one warm-up run (JIT); steps of the last run.");
        // As the BenchmarkDotNet case does it: one base compilation and warm driver, a new edit of it in every run.
        var sharedBase = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
        var sharedWarm = GeneratorRuns.CreateDriver().RunGenerators(sharedBase);
        for (var i = 0; i <= runs; i++)
        {
            var last = i == runs;
            var sharedEdit = GeneratorRuns.Edit(sharedBase, ModelCorpus.UnrelatedPath, ModelCorpus.UnrelatedLiteral, "return " + (i + 1000).ToString(CultureInfo.InvariantCulture) + ";");
            var shared = Measure(() => sharedWarm.RunGenerators(sharedEdit), out _);
            if (i > 0)
            {
                Record("warm, unrelated edit, one base for all runs", shared);
            }

            // Each scenario is timed untracked (as a build runs it); the step split comes from a second, tracked run.
            // Parsing and the compilation are made outside the measured span, as in the benchmarks.
            var fresh = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var cold = Measure(() => GeneratorRuns.CreateDriver().RunGenerators(fresh), out var coldDriver);
            if (i == 0)
            {
                GeneratorRuns.CheckCleanRun(coldDriver.GetRunResult(), typeCount);
                continue;
            }

            Record("cold", cold);

            // What the compiler pays later for the output: parsing the generated text (context, not the generator's time).
            var generatedTexts = coldDriver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.SourceText).ToList();
            Record(
                $"context: parse the generated text ({generatedTexts.Count} files, {generatedTexts.Sum(t => t.Length) / 1024} KiB)",
                Measure(() =>
                {
                    foreach (var text in generatedTexts)
                    {
                        Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text, GeneratorRuns.ParseOptions).GetRoot();
                    }

                    return coldDriver;
                }, out _));

            var freshForFloor = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var floor = Measure(() => GeneratorRuns.CreateDriver(new FloorGenerator()).RunGenerators(freshForFloor), out var floorDriver);
            Record("cold, floor generator (attributes found, nothing done)", floor);

            var baseCompilation = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var warm = GeneratorRuns.CreateDriver().RunGenerators(baseCompilation);
            var edit = i.ToString(CultureInfo.InvariantCulture);
            Compilation ModelEdit() => GeneratorRuns.Edit(baseCompilation, ModelCorpus.EditedModelPath, ModelCorpus.EditedTemplate, "\"order0000v" + edit + ":{Id}\"");
            Compilation UnrelatedEdit() => GeneratorRuns.Edit(baseCompilation, ModelCorpus.UnrelatedPath, ModelCorpus.UnrelatedLiteral, "return " + edit + ";");

            var modelEdited = ModelEdit();
            var modelTime = Measure(() => warm.RunGenerators(modelEdited), out var afterModelEdit);
            Record("warm, one template edited", modelTime);

            var unrelatedEdited = UnrelatedEdit();
            var unrelatedTime = Measure(() => warm.RunGenerators(unrelatedEdited), out var afterUnrelatedEdit);
            Record("warm, unrelated edit", unrelatedTime);

            if (last)
            {
                Console.WriteLine();
                Report("cold", cold, coldDriver, GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(GeneratorRuns.Compile(GeneratorRuns.Parse(files))));
                Report("cold, floor generator", floor, floorDriver,
                    GeneratorRuns.CreateDriver(new FloorGenerator(), trackSteps: true).RunGenerators(GeneratorRuns.Compile(GeneratorRuns.Parse(files))));
                var warmTracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(baseCompilation);
                Report("warm, one template edited", modelTime, afterModelEdit, warmTracked.RunGenerators(ModelEdit()));
                Report("warm, unrelated edit", unrelatedTime, afterUnrelatedEdit, warmTracked.RunGenerators(UnrelatedEdit()));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| scenario | runs | wall min | wall median | CPU min | CPU median |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (scenario, list) in times)
        {
            var walls = list.Select(t => t.Wall).OrderBy(t => t).ToList();
            var cpus = list.Select(t => t.Cpu).OrderBy(t => t).ToList();
            Console.WriteLine($"| {scenario} | {list.Count} | {Ms(walls[0])} | {Ms(walls[walls.Count / 2])} | {Ms(cpus[0])} | {Ms(cpus[cpus.Count / 2])} |");
        }

        return 0;
    }

    // Wall time, and the process's CPU time over the same span: on a shared, loaded machine the wall time mostly
    // measures waiting for a core, the CPU time (all threads, the GC's included) what the run itself consumed.
    private static (TimeSpan Wall, TimeSpan Cpu) Measure(Func<GeneratorDriver> run, out GeneratorDriver driver)
    {
        // Earlier runs' garbage is collected first, as BenchmarkDotNet does between iterations.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var cpu = ProcessCpu.Now();
        var stopwatch = Stopwatch.StartNew();
        driver = run();
        var wall = stopwatch.Elapsed;
        return (wall, ProcessCpu.Now() - cpu);
    }

    private static void Report(string title, (TimeSpan Wall, TimeSpan Cpu) time, GeneratorDriver untracked, GeneratorDriver tracked)
    {
        Console.WriteLine($"{title}: {Ms(time.Wall)} wall, {Ms(time.Cpu)} CPU, driver timing {Ms(untracked.GetTimingInfo().ElapsedTime)} "
            + $"(generator {Ms(untracked.GetTimingInfo().GeneratorTimes.Single().ElapsedTime)}); tracked run {Ms(tracked.GetTimingInfo().ElapsedTime)}, its steps:");

        // TrackedSteps holds the output steps too ("SourceOutput"), so TrackedOutputSteps is not added again.
        var steps = tracked.GetRunResult().Results.Single().TrackedSteps
            .Select(s => (Name: s.Key, Runs: s.Value.Length, Time: TimeSpan.FromTicks(s.Value.Sum(r => r.ElapsedTime.Ticks))))
            .Where(s => s.Time >= TimeSpan.FromMilliseconds(0.05))
            .OrderByDescending(s => s.Time);
        foreach (var (name, count, stepTime) in steps)
        {
            Console.WriteLine($"  {name,-56} {count,5} inputs {Ms(stepTime),10}");
        }
    }

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
