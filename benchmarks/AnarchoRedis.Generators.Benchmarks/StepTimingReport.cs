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
            // Each scenario twice: untracked for the time (as a build runs it), then with step tracking for the split.
            // Parsing and the compilation are made outside the measured span, as in the benchmarks.
            var fresh = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var cold = Measure(() => GeneratorRuns.CreateDriver().RunGenerators(fresh), out var coldDriver);
            var coldTracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(GeneratorRuns.Compile(GeneratorRuns.Parse(files)));
            if (i == 0)
            {
                GeneratorRuns.CheckCleanRun(coldDriver.GetRunResult(), typeCount);
                continue;
            }

            // The driver parses every generated file into a syntax tree within the run; this is that share, alone.
            var generatedTexts = coldDriver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.SourceText).ToList();
            var parseGenerated = Stopwatch.StartNew();
            foreach (var text in generatedTexts)
            {
                Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text, GeneratorRuns.ParseOptions).GetRoot();
            }

            Console.WriteLine($"generated: {generatedTexts.Count} files, {generatedTexts.Sum(t => t.Length) / 1024} KiB of text; parsing it alone takes {Ms(parseGenerated.Elapsed)}");

            Console.WriteLine();
            Report($"cold run {i}", cold, coldDriver, coldTracked);
            var freshForFloor = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var floor = Measure(() => GeneratorRuns.CreateDriver(new FloorGenerator()).RunGenerators(freshForFloor), out var floorDriver);
            Report($"cold run {i} of the floor generator (attributes found, nothing done)", floor, floorDriver,
                GeneratorRuns.CreateDriver(new FloorGenerator(), trackSteps: true).RunGenerators(GeneratorRuns.Compile(GeneratorRuns.Parse(files))));

            var baseCompilation = GeneratorRuns.Compile(GeneratorRuns.Parse(files));
            var warm = GeneratorRuns.CreateDriver().RunGenerators(baseCompilation);
            var warmTracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(baseCompilation);
            var edit = i.ToString(CultureInfo.InvariantCulture);
            Compilation ModelEdit() => GeneratorRuns.Edit(baseCompilation, ModelCorpus.EditedModelPath, ModelCorpus.EditedTemplate, "\"order0000v" + edit + ":{Id}\"");
            Compilation UnrelatedEdit() => GeneratorRuns.Edit(baseCompilation, ModelCorpus.UnrelatedPath, ModelCorpus.UnrelatedLiteral, "return " + edit + ";");

            var modelEdited = ModelEdit();
            var modelTime = Measure(() => warm.RunGenerators(modelEdited), out var afterModelEdit);
            Report($"warm run {i}, one template edited", modelTime, afterModelEdit, warmTracked.RunGenerators(ModelEdit()));

            var unrelatedEdited = UnrelatedEdit();
            var unrelatedTime = Measure(() => warm.RunGenerators(unrelatedEdited), out var afterUnrelatedEdit);
            Report($"warm run {i}, unrelated edit", unrelatedTime, afterUnrelatedEdit, warmTracked.RunGenerators(UnrelatedEdit()));
        }

        return 0;
    }

    // Wall time, and the process's CPU time over the same span: on a shared, loaded machine the wall time mostly
    // measures waiting for a core, the CPU time (all threads, the GC's included) what the run itself consumed.
    private static (TimeSpan Wall, TimeSpan Cpu) Measure(Func<GeneratorDriver> run, out GeneratorDriver driver)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        driver = run();
        var wall = stopwatch.Elapsed;
        process.Refresh();
        return (wall, process.TotalProcessorTime - cpu);
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
