package dev.templatelab.training.data;

/** An imported dataset and the findings about what was left out of it. */
public record ImportResult(ImageDataset dataset, ValidationReport report) {
}
