using System.Collections.Generic;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// The generator over a model project of <see cref="TypeCount"/> annotated types (<see cref="ModelCorpus"/>): a cold run
/// (what a build pays) and the two warm runs an IDE does after an edit.
/// </summary>
/// <remarks>
/// Each iteration gets a compilation no generator run has touched, built in <c>[IterationSetup]</c> (not measured):
/// Roslyn caches symbols, bound attributes and semantic models per compilation, so running twice over one compilation
/// would time the second run against a warm cache. Parsing is not measured (the compiler parses whether or not a
/// generator runs); metadata references are shared across iterations, as the compiler server and the IDE share them.
/// What is measured is the driver's work including the semantic work the generator triggers: binding the attributes,
/// the symbols of the annotated types and their properties, the compilation-wide lookups, and emitting the text.
/// </remarks>
[MemoryDiagnoser]
// On a shared two-core machine other processes take the cores in bursts: the minimum is the closest to the cost of
// the work itself, the median to what a user of a busy machine sees; both are shown beside the mean.
[MinColumn, MedianColumn, MaxColumn]
// 30 warm-up runs: with tiered compilation and dynamic PGO, the generator's and Roslyn's binding code reach their final
// tier only after some tens of runs (with 5 warm-ups a warm run measured 2-3x slower than in steady state). Steady
// state is what the IDE's and the compiler server's long-lived processes run at.
[SimpleJob(launchCount: 1, warmupCount: 30, iterationCount: MeasuredRuns, invocationCount: 1)]
public class GeneratorBenchmarks
{
    private const int MeasuredRuns = 20;

    private IReadOnlyList<SourceFile> _files = [];
    private Compilation _baseCompilation = null!;
    private GeneratorDriver _warmDriver = null!;
    private Compilation _iterationCompilation = null!;
    private int _edit;
    private string _running = string.Empty;
    private readonly ProcessCpu _cpu = new();

    /// <summary>Annotated model types in the project (ten per file).</summary>
    [Params(50, 500)]
    public int TypeCount { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _files = ModelCorpus.Create(TypeCount);
        _baseCompilation = GeneratorRuns.Compile(GeneratorRuns.Parse(_files));
        _warmDriver = GeneratorRuns.CreateDriver().RunGenerators(_baseCompilation);
        GeneratorRuns.CheckCleanRun(_warmDriver.GetRunResult(), TypeCount);

        // The per-step checks need step tracking, which the measured drivers leave off: checked once here, on their own drivers.
        var tracked = GeneratorRuns.CreateDriver(trackSteps: true).RunGenerators(_baseCompilation);
        GeneratorRuns.CheckEverythingCached(tracked.RunGenerators(UnrelatedEdit()).GetRunResult());
        var afterModelEdit = tracked.RunGenerators(ModelEdit()).GetRunResult();
        GeneratorRuns.CheckOneModelRerun(afterModelEdit);
        GeneratorRuns.CheckCleanRun(afterModelEdit, TypeCount);
    }

    [IterationSetup(Target = nameof(Cold))]
    public void FreshCompilation() => Ready(GeneratorRuns.Compile(GeneratorRuns.Parse(_files)), nameof(Cold));

    [IterationSetup(Target = nameof(ColdFloor))]
    public void FreshCompilationForFloor() => Ready(GeneratorRuns.Compile(GeneratorRuns.Parse(_files)), nameof(ColdFloor));

    [IterationSetup(Target = nameof(WarmUnrelatedEdit))]
    public void UnrelatedEditedCompilation() => Ready(UnrelatedEdit(), nameof(WarmUnrelatedEdit));

    [IterationSetup(Target = nameof(WarmOneModelEdited))]
    public void ModelEditedCompilation() => Ready(ModelEdit(), nameof(WarmOneModelEdited));

    [IterationCleanup]
    public void IterationCleanup() => _cpu.Stop();

    [GlobalCleanup]
    public void GlobalCleanup() => _cpu.Print(_running + " TypeCount=" + TypeCount.ToString(CultureInfo.InvariantCulture), MeasuredRuns);

    /// <summary>A build: a new driver over a compilation nothing has run on.</summary>
    [Benchmark]
    public GeneratorDriver Cold() => GeneratorRuns.CreateDriver().RunGenerators(_iterationCompilation);

    /// <summary>
    /// Context: the same cold run of <see cref="FloorGenerator"/>, which finds the same attributes and does nothing
    /// else. The difference to <see cref="Cold"/> is what AnarchoRedis's parsing, checks and emitting cost.
    /// </summary>
    [Benchmark]
    public GeneratorDriver ColdFloor() => GeneratorRuns.CreateDriver(new FloorGenerator()).RunGenerators(_iterationCompilation);

    /// <summary>The IDE after a keystroke in a method body of a class with no attributes: every step should be cached.</summary>
    [Benchmark]
    public GeneratorDriver WarmUnrelatedEdit() => _warmDriver.RunGenerators(_iterationCompilation);

    /// <summary>The IDE after one model's key template changed: that model's repository, the catalog and the assembly checks re-run.</summary>
    [Benchmark]
    public GeneratorDriver WarmOneModelEdited() => _warmDriver.RunGenerators(_iterationCompilation);

    private void Ready(Compilation compilation, string benchmark)
    {
        _iterationCompilation = compilation;
        _running = benchmark;
        _cpu.Start();
    }

    // A different number each time, so every iteration is a real edit relative to what the warm driver saw.
    private Compilation UnrelatedEdit() =>
        GeneratorRuns.Edit(_baseCompilation, ModelCorpus.UnrelatedPath, ModelCorpus.UnrelatedLiteral, "return " + NextEdit() + ";");

    private Compilation ModelEdit() =>
        GeneratorRuns.Edit(_baseCompilation, ModelCorpus.EditedModelPath, ModelCorpus.EditedTemplate, "\"order0000v" + NextEdit() + ":{Id}\"");

    private string NextEdit() => (++_edit).ToString(CultureInfo.InvariantCulture);
}
