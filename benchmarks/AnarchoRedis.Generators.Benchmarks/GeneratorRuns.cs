using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// Builds model compilations and generator drivers the way the compiler and the IDE do, and checks what a run did.
/// Failing checks throw: a benchmark of a generator that did the wrong thing (re-ran a step, reported a diagnostic)
/// would be a fast number about the wrong work.
/// </summary>
internal static class GeneratorRuns
{
    public const string AssemblyName = "Bench.Models";

    /// <summary>Plain parse options, as a project that does not ask for a documentation file gets them.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    public static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    /// <summary>
    /// The platform assemblies plus the AnarchoRedis runtime and attributes, like an application's references. The same
    /// <see cref="MetadataReference"/> objects serve every compilation, so metadata is read once per process, as in the
    /// compiler server and the IDE: the benchmarks measure the generator, not file reading.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    /// <summary>The generator's step names (its internal <c>TrackingNames</c> constants), read the way the generator tests read them.</summary>
    public static readonly IReadOnlyList<string> TrackedStepNames = typeof(AnarchoRedisGenerator).Assembly
        .GetType("AnarchoRedis.Generators.TrackingNames", throwOnError: true)!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>Parses the files anew: fresh trees carry no state from earlier runs.</summary>
    public static IReadOnlyList<SyntaxTree> Parse(IEnumerable<SourceFile> files) =>
        files.Select(f => CSharpSyntaxTree.ParseText(SourceText.From(f.Text), ParseOptions, f.Path)).ToList();

    public static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create(AssemblyName, trees, References, CompilationOptions);

    /// <summary>
    /// A fresh driver. Step tracking is off by default, as in a real build; it costs time and memory, so only the
    /// checks (which read the per-step run reasons) and the timing report turn it on.
    /// </summary>
    public static GeneratorDriver CreateDriver(bool trackSteps = false) => CreateDriver(new AnarchoRedisGenerator(), trackSteps);

    /// <summary>A fresh driver for another generator (the floor the benchmarks compare with).</summary>
    public static GeneratorDriver CreateDriver(IIncrementalGenerator generator, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { generator.AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>The compilation with one tree's text changed in place (<paramref name="oldText"/> to <paramref name="newText"/>), as the IDE derives it after a keystroke.</summary>
    public static Compilation Edit(Compilation compilation, string path, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        var text = tree.GetText();
        var start = text.ToString().IndexOf(oldText, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"'{oldText}' is not in {path}.");
        }

        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(new TextChange(new TextSpan(start, oldText.Length), newText))));
    }

    /// <summary>Throws unless the run generated what a clean project of <paramref name="typeCount"/> types gets: one file per type plus the catalog and DI files, and no diagnostics.</summary>
    public static void CheckCleanRun(GeneratorDriverRunResult run, int typeCount)
    {
        var result = run.Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        if (result.Diagnostics.Length > 0)
        {
            throw new InvalidOperationException("The generator reported diagnostics on the benchmark models:" + Environment.NewLine
                + string.Join(Environment.NewLine, result.Diagnostics.Take(10)));
        }

        if (result.GeneratedSources.Length != typeCount + 2)
        {
            throw new InvalidOperationException($"Expected {typeCount + 2} generated files, got {result.GeneratedSources.Length}.");
        }
    }

    /// <summary>Throws unless every tracked step of the run is Cached or Unchanged and no output was produced anew.</summary>
    public static void CheckEverythingCached(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        var problems = new List<string>();
        foreach (var name in TrackedStepNames)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var runs))
            {
                problems.Add($"{name}: not run at all (not tracked?)");
                continue;
            }

            problems.AddRange(runs.SelectMany(r => r.Outputs)
                .Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                .Select(o => $"{name}: {o.Reason}"));
        }

        problems.AddRange(result.TrackedOutputSteps.SelectMany(s => s.Value.SelectMany(r => r.Outputs).Select(o => (s.Key, o.Reason)))
            .Where(o => o.Reason != IncrementalStepRunReason.Cached)
            .Select(o => $"output {o.Key}: {o.Reason}"));
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("An unrelated edit re-ran generator steps:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Distinct().Take(20)));
        }
    }

    /// <summary>Throws unless exactly one repository spec was modified and every other one stayed cached.</summary>
    public static void CheckOneModelRerun(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        var specs = result.TrackedSteps["RepositorySpecs"].SelectMany(r => r.Outputs).ToList();
        var modified = specs.Count(o => o.Reason == IncrementalStepRunReason.Modified);
        var cached = specs.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        if (modified != 1 || cached != specs.Count - 1)
        {
            throw new InvalidOperationException($"Editing one template: {modified} specs modified, {cached} of {specs.Count} cached; expected 1 and the rest.");
        }
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll"
                || Path.GetFileName(p).StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
        var own = new[] { typeof(ReplicatedKeyAttribute).Assembly.Location, typeof(AnarchoRedisClient).Assembly.Location };
        return platform.Concat(own)
            .GroupBy(Path.GetFileName)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }
}
