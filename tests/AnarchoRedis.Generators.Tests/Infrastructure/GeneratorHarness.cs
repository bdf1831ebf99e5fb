using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using AnarchoRedis.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AnarchoRedis.Generators.Tests.Infrastructure;

/// <summary>Builds compilations of model code against the real runtime and runs the generator over them.</summary>
internal static class GeneratorHarness
{
    public const string DefaultAssemblyName = "Samples.Models";

    // Documentation mode on: a generated public member without docs must show up as CS1591, as it would for users.
    public static readonly CSharpParseOptions ParseOptions =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

    /// <summary>The platform assemblies plus the runtime and attributes, like an application that references AnarchoRedis.</summary>
    public static readonly ImmutableArray<MetadataReference> References = LoadReferences(includeRuntime: true);

    /// <summary>Only the platform and the attributes: a model library that forgot the runtime.</summary>
    public static readonly ImmutableArray<MetadataReference> ReferencesWithoutRuntime = LoadReferences(includeRuntime: false);

    public static CSharpCompilation Compile(IEnumerable<string> sources, string assemblyName = DefaultAssemblyName, bool withRuntime = true) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "Model" + i + ".cs")),
            withRuntime ? References : ReferencesWithoutRuntime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new AnarchoRedisGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns the run result and the compilation with the generated trees added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources) =>
        Run(Compile(sources));

    public static (GeneratorDriverRunResult Result, Compilation Output) Run(Compilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generator's diagnostics, ordered by position so assertions are stable.</summary>
    public static IReadOnlyList<Diagnostic> GeneratorDiagnostics(GeneratorDriverRunResult result) =>
        result.Diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Warnings and errors of the compiled output; missing docs on the hand-written models are not the generator's.</summary>
    public static IReadOnlyList<Diagnostic> CompilationProblems(Compilation output) =>
        output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath.StartsWith("Model", StringComparison.Ordinal) == true))
            .ToList();

    private static ImmutableArray<MetadataReference> LoadReferences(bool includeRuntime)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll"
                || (includeRuntime && Path.GetFileName(p).StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)));
        var own = new List<string> { typeof(ReplicatedKeyAttribute).Assembly.Location };
        if (includeRuntime)
        {
            own.Add(typeof(AnarchoRedisClient).Assembly.Location);
        }

        return platform.Concat(own)
            .GroupBy(Path.GetFileName)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }
}
