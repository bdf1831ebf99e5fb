using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// Context for the generator figures: what the compiler spends on the same project without and with the generated
/// code (<c>GetDiagnostics</c>: declarations and method bodies bound and checked, nothing emitted).
/// </summary>
/// <remarks>
/// Each iteration compiles freshly parsed trees (the generated ones re-parsed from their text), so no semantic cache
/// survives from an earlier iteration. Few iterations: each one takes seconds on two cores.
/// </remarks>
[MemoryDiagnoser]
// On a shared two-core machine other processes take the cores in bursts: the minimum is the closest to the cost of
// the work itself, the median to what a user of a busy machine sees; both are shown beside the mean.
[MinColumn, MedianColumn, MaxColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: MeasuredRuns, invocationCount: 1)]
public class GeneratedCodeCompileBenchmarks
{
    private const int MeasuredRuns = 3;

    private IReadOnlyList<SourceFile> _models = [];
    private IReadOnlyList<SourceFile> _generated = [];
    private Compilation _iterationCompilation = null!;
    private string _running = string.Empty;
    private readonly ProcessCpu _cpu = new();

    /// <summary>Annotated model types in the project (ten per file).</summary>
    [Params(50, 500)]
    public int TypeCount { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _models = ModelCorpus.Create(TypeCount);
        var driver = GeneratorRuns.CreateDriver().RunGeneratorsAndUpdateCompilation(
            GeneratorRuns.Compile(GeneratorRuns.Parse(_models)), out var output, out _);
        GeneratorRuns.CheckCleanRun(driver.GetRunResult(), TypeCount);
        _generated = driver.GetRunResult().GeneratedTrees.Select(t => new SourceFile(t.FilePath, t.GetText().ToString())).ToList();

        // The generated code must compile clean, or this would time error recovery.
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The benchmark project does not compile clean:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Take(10)));
        }
    }

    [IterationSetup(Target = nameof(ModelsOnly))]
    public void FreshModels() => Ready(GeneratorRuns.Compile(GeneratorRuns.Parse(_models)), nameof(ModelsOnly));

    [IterationSetup(Target = nameof(ModelsAndGeneratedCode))]
    public void FreshModelsAndGenerated() => Ready(GeneratorRuns.Compile(GeneratorRuns.Parse(_models.Concat(_generated))), nameof(ModelsAndGeneratedCode));

    [IterationCleanup]
    public void IterationCleanup() => _cpu.Stop();

    [GlobalCleanup]
    public void GlobalCleanup() => _cpu.Print(_running + " TypeCount=" + TypeCount.ToString(System.Globalization.CultureInfo.InvariantCulture), MeasuredRuns);

    private void Ready(Compilation compilation, string benchmark)
    {
        _iterationCompilation = compilation;
        _running = benchmark;
        _cpu.Start();
    }

    /// <summary>The hand-written project alone.</summary>
    [Benchmark(Baseline = true)]
    public int ModelsOnly() => _iterationCompilation.GetDiagnostics().Length;

    /// <summary>The project with the generated repositories, catalog and DI registration added.</summary>
    [Benchmark]
    public int ModelsAndGeneratedCode() => _iterationCompilation.GetDiagnostics().Length;
}
